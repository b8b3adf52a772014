// The monitoring port and transport options: /metrics, /ready, TLS, gzip and empty authorization (C1).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Camunda8 } from '@camunda8/sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../lib/testing/temp-dir.js';
import { startEngine } from './procos-engine.js';
import { loadGatewayPackage } from './server/grpc-server.js';
import { deployFixture, nextJob, startHarness, type Harness } from './testing/engine-harness.js';

describe('monitoring and transport', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  it('serves Prometheus metrics with the job backlog per type, and /ready, /health', async () => {
    await deployFixture(h.client(), 'two-steps.bpmn');
    await h.client().createProcessInstance({ bpmnProcessId: 'two-steps', variables: {} });
    const base = `http://127.0.0.1:${h.running.monitoringPort}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/procos_engine_job_backlog\{type="durable.work"\} 1/);
    expect(metrics).toMatch(/procos_engine_events_total\{type="PROCESS_DEPLOYED"\} \d+/);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'UP' });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('keeps the history of finished instances: elements, jobs with worker and failures, and called children', async () => {
    const zbc = h.client();
    for (const f of ['call-parent.bpmn', 'call-child.bpmn']) await deployFixture(zbc, f);
    const parent = await zbc.createProcessInstance({
      bpmnProcessId: 'call-parent',
      variables: { childProcess: 'call-child' },
    });
    const first = await nextJob(zbc, 'child.work');
    await zbc.failJob({ jobKey: first.key, errorMessage: 'the disk is full', retries: 2, retryBackOff: 0 });
    const again = await nextJob(zbc, 'child.work');
    await zbc.completeJob({ jobKey: again.key, variables: {} });
    await h.outcome(parent.processInstanceKey);
    const base = `http://127.0.0.1:${h.running.monitoringPort}`;
    const tree = (await (await fetch(`${base}/v1/history/process-instances/${parent.processInstanceKey}`)).json()) as {
      state: string;
      bpmnProcessId: string;
      endedAt?: string;
      elements: { elementId: string; state: string }[];
      children: { bpmnProcessId: string; elements: { elementId: string; job?: Record<string, unknown> }[] }[];
    };
    expect(tree).toMatchObject({
      bpmnProcessId: 'call-parent',
      state: 'completed',
      endedAt: expect.any(String) as unknown,
    });
    expect(tree.elements.map((e) => e.elementId)).toContain('call');
    expect(tree.children).toHaveLength(1);
    const work = tree.children[0]?.elements.find((e) => e.elementId === 'child-work');
    expect(work?.job).toMatchObject({ type: 'child.work', state: 'completed', failures: ['the disk is full'] });
    const list = (await (
      await fetch(`${base}/v1/history/process-instances?bpmnProcessId=call-child`)
    ).json()) as unknown[];
    expect(list).toHaveLength(1);
    expect((await fetch(`${base}/v1/history/process-instances/1`)).status).toBe(404);
  });

  it('accepts gzip-compressed requests with an empty authorization header (C1)', async () => {
    const pkg = loadGatewayPackage() as unknown as {
      gateway_protocol: { Gateway: typeof grpc.Client };
    };
    const client = new pkg.gateway_protocol.Gateway(h.running.address, grpc.credentials.createInsecure(), {
      'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip,
    });
    const metadata = new grpc.Metadata();
    metadata.set('authorization', '');
    const topology = await new Promise<{ brokers: unknown[] }>((resolve, reject) => {
      (
        client as unknown as {
          Topology: (r: object, m: grpc.Metadata, cb: (e: Error | null, r: { brokers: unknown[] }) => void) => void;
        }
      ).Topology({}, metadata, (e, r) => (e ? reject(e) : resolve(r)));
    });
    expect(topology.brokers).toHaveLength(1);
    client.close();
  });

  it('serves TLS when given a certificate; the SDK connects with grpcs://', async () => {
    const dir = tempDir('procos-tls-');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    const running = await startEngine({
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
      tls: { cert, key: readFileSync(join(dir, 'key.pem')) },
    });
    try {
      const zbc = new Camunda8({
        ZEEBE_GRPC_ADDRESS: `grpcs://localhost:${running.grpcPort}`,
        CAMUNDA_AUTH_STRATEGY: 'NONE',
        CAMUNDA_CUSTOM_ROOT_CERT_STRING: cert.toString(),
        zeebeGrpcSettings: { ZEEBE_GRPC_CLIENT_RETRY: false, ZEEBE_CLIENT_LOG_LEVEL: 'NONE' },
      } as never).getZeebeGrpcApiClient();
      expect((await zbc.topology()).brokers).toHaveLength(1);
      await zbc.close(500);
    } finally {
      await running.stop();
    }
  });
});
