import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/cli/version.js';
import { tempDir } from '../lib/testing/temp-dir.js';

const root = projectRoot();

async function worker(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin/procos-worker.js'), ...args],
      {
        cwd: root,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('procos-worker (the built binary)', () => {
  it('checks a pool file without connecting', async () => {
    const r = await worker(
      '--pool',
      'processes/samples/workerpool.yaml',
      '--policy',
      'processes/samples/sandboxpolicy.yaml',
      '--check',
    );
    expect(r).toMatchObject({
      code: 0,
      stdout:
        'ok    processes/samples/workerpool.yaml: hello.greet (format), hello.reply (format); SandboxPolicy hello\n',
    });
  });

  it('exits 1 before connecting, naming the handler, field and rule of a bad config', async () => {
    const file = join(tempDir('procos-worker-test-'), 'pool.yaml');
    writeFileSync(
      file,
      'apiVersion: procos.io/v1alpha1\nkind: WorkerPool\nmetadata: { name: p }\nspec:\n  taskTypes: [t]\n  handlers:\n    - { taskType: t, adapter: format, config: { output: x } }\n',
    );
    const r = await worker('--pool', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'spec.handlers[0] (t).config.template: Invalid input: expected string, received undefined',
    );
  });

  it('says --pool is required', async () => {
    const r = await worker();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--pool FILE is required');
  });

  it('--help-adapter lists every config field of an adapter from its schema', async () => {
    const r = await worker('--help-adapter', 'format');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('template  (string; required)');
    expect(r.stdout).toContain('output  (string; default "formatted")');
    const unknown = await worker('--help-adapter', 'ftp');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no adapter 'ftp' (built: ");
  });

  it('exits 1 before connecting when a secret a config names does not exist', async () => {
    const file = join(tempDir('procos-worker-test-'), 'pool.yaml');
    writeFileSync(
      file,
      'apiVersion: procos.io/v1alpha1\nkind: WorkerPool\nmetadata: { name: p }\nspec:\n  taskTypes: [t]\n  handlers:\n    - { taskType: t, adapter: format, config: { template: "{{secrets.NOPE_TOKEN}}" } }\n',
    );
    const r = await worker('--pool', file, '--secrets-dir', tempDir('procos-worker-secrets-'), '--check');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /spec\.handlers\[0\] \(t\)\.config: secret 'NOPE_TOKEN' not found \(no file .*NOPE_TOKEN, no environment variable NOPE_TOKEN\)/,
    );
  });
});
