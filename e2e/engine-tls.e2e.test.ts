// An engine behind TLS whose certificate a private CA signed (the chart's engine.tls.caSecret):
// the operator trusting that CA (CAMUNDA_CUSTOM_ROOT_CERT_PATH) deploys over grpcs:// and hands
// the CA on to worker pods; without it, the process says the engine cannot be reached.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine } from '../engine/procos-engine.js';
import { projectRoot } from '../lib/cli/version.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';
import { spawnOperator, type OperatorProcess } from './testing/operator-process.js';

const NS = 'procos-tls';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

describe('an engine behind TLS with a private CA', () => {
  let cluster: TestCluster;
  let engine: Awaited<ReturnType<typeof startEngine>>;
  const dir = tempDir('procos-tls-');
  const operators: OperatorProcess[] = [];
  const ready = (name: string): Condition | undefined =>
    (
      JSON.parse(cluster.kubectl(['-n', NS, 'get', 'procosprocess', name, '-o', 'json'])) as {
        status?: { conditions?: Condition[] };
      }
    ).status?.conditions?.find((c) => c.type === 'Ready');
  const operator = (identity: string, env: Record<string, string>): OperatorProcess => {
    const o = spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: 'unused',
      identity,
      logDir: dir,
      leaseDurationSeconds: 4,
      env: { ZEEBE_GRPC_ADDRESS: `grpcs://localhost:${engine.grpcPort}`, ...env },
      args: ['--worker-engine-address', `grpcs://localhost:${engine.grpcPort}`],
    });
    operators.push(o);
    return o;
  };

  beforeAll(async () => {
    cluster = await useCluster();
    installCrds(cluster, join(projectRoot(), 'crds'));
    cluster.kubectl(['create', 'namespace', NS]);
    cluster.kubectl(['create', 'namespace', 'procos-system']);
    cluster.kubectl(['apply', '-n', NS, '-f', join(projectRoot(), 'processes/samples/sandboxpolicy.yaml')]);
    // A CA, and the engine's certificate signed by it (not self-signed: the CA is what is trusted).
    const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=procos-test-ca',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ]);
    writeFileSync(join(dir, 'engine.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      'engine.key',
      '-out',
      'engine.csr',
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      'engine.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      'engine.ext',
      '-out',
      'engine.crt',
    ]);
    engine = await startEngine({
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
      tls: { cert: readFileSync(join(dir, 'engine.crt')), key: readFileSync(join(dir, 'engine.key')) },
    });
  }, 900_000);
  afterAll(async () => {
    for (const o of operators) await o.kill('SIGTERM');
    await engine.stop();
    await cluster.stop();
  });

  it('without the CA the operator cannot reach it, and the process says so', async () => {
    const o = operator('no-ca', {});
    cluster.kubectl(['apply', '-n', NS, '-f', join(projectRoot(), 'processes/samples/procosprocess.yaml')]);
    const c = await waitFor(
      'Ready=False EngineUnavailable',
      () => (ready('hello')?.reason === 'EngineUnavailable' ? ready('hello') : undefined),
      { timeoutMs: 60_000 },
    );
    expect(c.message).toMatch(/^cannot reach the engine: /);
    expect(c.message).toContain('unable to verify the first certificate');
    await o.kill('SIGTERM');
  });

  it('with CAMUNDA_CUSTOM_ROOT_CERT_PATH it deploys over grpcs://, and worker pods get the CA', async () => {
    operator('with-ca', { CAMUNDA_CUSTOM_ROOT_CERT_PATH: join(dir, 'ca.crt') });
    await waitFor('Ready=True Deployed', () => (ready('hello')?.reason === 'Deployed' ? true : undefined), {
      timeoutMs: 60_000,
    });
    cluster.kubectl(['apply', '-n', NS, '-f', join(projectRoot(), 'processes/samples/workerpool.yaml')]);
    const env = await waitFor(
      'the pool Deployment',
      () => {
        const r = cluster.tryKubectl(['-n', NS, 'get', 'deployment', 'hello-worker', '-o', 'json']);
        if (r.code !== 0) return undefined;
        const d = JSON.parse(r.stdout) as {
          spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
        };
        return d.spec.template.spec.containers[0]?.env;
      },
      { timeoutMs: 60_000 },
    );
    expect(env).toContainEqual({
      name: 'CAMUNDA_CUSTOM_ROOT_CERT_STRING',
      value: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    });
    expect(env).toContainEqual({ name: 'ZEEBE_GRPC_ADDRESS', value: `grpcs://localhost:${engine.grpcPort}` });
  });
});
