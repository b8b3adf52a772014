// OTLP trace export as a user turns it on: procos-engine and procos-worker run as real processes
// with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver on loopback; one job later
// the receiver holds the engine's gRPC server spans and the worker's job span of the same job,
// each under its service.name, with the headers of OTEL_EXPORTER_OTLP_HEADERS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerProcess } from '../../workers/testing/worker-process.js';
import { projectRoot } from '../cli/version.js';
import { freePort } from '../net/free-port.js';
import { tempDir } from '../testing/temp-dir.js';
import { waitFor } from '../testing/wait-for.js';
import { sdkClient } from '../zeebe/sdk-client.js';
import { startTracing } from './tracing.js';

interface ReceivedSpan {
  service: string;
  name: string;
  attributes: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/** An OTLP/HTTP JSON receiver: POST /v1/traces, as a collector on :4318 takes it. */
async function otlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !req.headers['content-type']?.includes('json')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: { name: string; attributes: { key: string; value: Record<string, unknown> }[] }[] }[];
        }[];
      };
      for (const rs of body.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            spans.push({
              service,
              name: s.name,
              attributes: Object.fromEntries(s.attributes.map((a) => [a.key, Object.values(a.value)[0]])),
              headers: req.headers,
            });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, spans, server };
}

describe('OTLP trace export (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    receiver = await otlpReceiver();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  });

  it('is off without an endpoint, and says where spans go with one', async () => {
    expect(startTracing('x', {}).endpoint).toBeUndefined();
    expect(
      startTracing('x', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).endpoint,
    ).toBe(undefined);
    const on = startTracing('x', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    expect(on.endpoint).toBe(receiver.url);
    await on.shutdown();
  });

  it('exports the engine’s gRPC spans and the worker’s job span of one job, each under its service name', async () => {
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme',
      // Flush every 100 ms instead of 5 s: the test waits for spans, not for a timer.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    const port = await freePort();
    const engine = spawn(
      process.execPath,
      ['--import', 'tsx', 'engine/main.ts', '--in-memory', '--port', String(port), '--monitoring-port', '0'],
      { cwd: projectRoot(), stdio: 'ignore', env: { ...process.env, ...otel } },
    );
    children.push(engine);
    const zbc = sdkClient(`127.0.0.1:${port}`, { retry: true });
    try {
      await waitFor('the engine to answer', () => zbc.topology().then(() => true), { timeoutMs: 60_000 });
      await zbc.deployResource({
        name: 'one-task.bpmn',
        process: readFileSync(join(projectRoot(), 'workers/testdata/one-task.bpmn')),
      });
      const pool = join(tempDir('procos-otel-'), 'pool.yaml');
      writeFileSync(
        pool,
        `apiVersion: procos.io/v1alpha1
kind: WorkerPool
metadata: { name: traced }
spec:
  taskTypes: [work.item]
  handlers:
    - taskType: work.item
      adapter: format
      config: { template: 'item {{ i }}', output: done }
`,
      );
      const worker = startWorkerProcess(`127.0.0.1:${port}`, ['--pool', pool, '--http-port', '0'], 'info', {
        ...otel,
        OTEL_SERVICE_NAME: 'procos-worker-traced',
      });
      children.push(worker.child);
      const result = await zbc.createProcessInstanceWithResult({
        bpmnProcessId: 'one-task',
        variables: { i: 7 },
        requestTimeout: 60_000,
      });
      expect(result.variables).toMatchObject({ done: 'item 7' });

      const jobSpan = await waitFor(
        'the worker’s job span',
        () => receiver.spans.find((s) => s.service === 'procos-worker-traced' && s.name === 'job work.item'),
        { timeoutMs: 30_000 },
      );
      expect(jobSpan.attributes['zeebe.process_instance.key']).toBe(result.processInstanceKey);
      expect(jobSpan.headers['x-tenant']).toBe('acme');
      const completed = await waitFor(
        'the engine’s CompleteJob span',
        () =>
          receiver.spans.find(
            (s) => s.service === 'procos-engine' && s.name === 'gateway_protocol.Gateway/CompleteJob',
          ),
        { timeoutMs: 30_000 },
      );
      expect(completed.attributes['rpc.method']).toBe('CompleteJob');
      expect(completed.attributes['rpc.grpc.status_code']).toBe(0);
      expect(worker.logs.find((l) => l.msg === 'exporting traces')?.otlpEndpoint).toBe(receiver.url);
    } finally {
      await zbc.close();
    }
  }, 120_000);
});
