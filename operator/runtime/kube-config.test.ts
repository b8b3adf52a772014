import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKubeConnection } from './kube-config.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(users: Record<string, unknown>[], extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'procos-kc-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'pki'));
  writeFileSync(join(dir, 'pki', 'ca.crt'), 'CA-BYTES');
  writeFileSync(join(dir, 'pki', 'client.crt'), 'CERT-BYTES');
  const file = join(dir, 'config');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'second',
      clusters: [
        { name: 'a', cluster: { server: 'https://a.example:6443', 'certificate-authority': 'pki/ca.crt' } },
        { name: 'b', cluster: { server: 'https://b.example:6443', 'insecure-skip-tls-verify': true } },
      ],
      contexts: [
        { name: 'first', context: { cluster: 'a', user: users[0]?.name } },
        { name: 'second', context: { cluster: 'a', user: users[users.length - 1]?.name } },
      ],
      users,
      ...extra,
    }),
  );
  return file;
}

describe('loadKubeConnection', () => {
  it('uses the current context; relative certificate paths are relative to the kubeconfig', async () => {
    const file = kubeconfig([
      { name: 'one', user: { token: 'unused' } },
      {
        name: 'two',
        user: { 'client-certificate': 'pki/client.crt', 'client-key-data': Buffer.from('KEY').toString('base64') },
      },
    ]);
    const c = await loadKubeConnection(file);
    expect(c.server).toBe('https://a.example:6443');
    expect(c.tls.ca?.toString()).toBe('CA-BYTES');
    expect(c.tls.cert?.toString()).toBe('CERT-BYTES');
    expect(c.tls.key?.toString()).toBe('KEY');
    expect(c.tls.rejectUnauthorized).toBeUndefined();
    expect(await c.headers()).toEqual({});
    expect(c.source).toContain('context second');
  });

  it('sends a bearer token, and skips TLS verification only when the cluster says so', async () => {
    const file = kubeconfig([{ name: 'u', user: { token: 's3cret' } }], {
      contexts: [{ name: 'second', context: { cluster: 'b', user: 'u' } }],
    });
    const c = await loadKubeConnection(file);
    expect(c.server).toBe('https://b.example:6443');
    expect(c.tls.rejectUnauthorized).toBe(false);
    expect(await c.headers()).toEqual({ Authorization: 'Bearer s3cret' });
  });

  it('hands exec plugins to client-node, which runs the plugin for the token', async () => {
    const file = kubeconfig([
      {
        name: 'exec-user',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: [
              '-e',
              'console.log(JSON.stringify({apiVersion:"client.authentication.k8s.io/v1",kind:"ExecCredential",status:{token:"from-plugin"}}))',
            ],
            interactiveMode: 'Never',
          },
        },
      },
    ]);
    const c = await loadKubeConnection(file);
    expect(c.server).toBe('https://a.example:6443');
    expect(await c.headers()).toMatchObject({ Authorization: 'Bearer from-plugin' });
  });

  it('says what is wrong with a kubeconfig it cannot use', async () => {
    await expect(loadKubeConnection('/nonexistent/kubeconfig')).rejects.toThrow(/does not exist/);
    const file = kubeconfig([{ name: 'u', user: {} }], {
      contexts: [{ name: 'second', context: { cluster: 'missing', user: 'u' } }],
    });
    await expect(loadKubeConnection(file)).rejects.toThrow(/names cluster missing/);
  });
});
