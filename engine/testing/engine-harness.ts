// Starts a real procos-engine on a free loopback port and hands out official SDK clients.
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { loadGatewayPackage } from '../server/grpc-server.js';
import { startEngine, type RunningEngine } from '../procos-engine.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';

export { sdkClient };

export interface Harness {
  running: RunningEngine;
  client(): ZeebeGrpcClient;
  /** GET on the engine's monitoring port (the JSON read API). */
  api<T = unknown>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startHarness(
  options: { dataDir?: string; tickMs?: number; snapshotEvery?: number } = {},
): Promise<Harness> {
  const running = await startEngine({
    host: '127.0.0.1',
    port: 0,
    monitoringPort: 0,
    log: pino({ level: 'silent' }),
    ...options,
  });
  const clients: ZeebeGrpcClient[] = [];
  return {
    running,
    client() {
      const c = sdkClient(running.address);
      clients.push(c);
      return c;
    },
    async api<T>(path: string): Promise<T> {
      const res = await fetch(`http://127.0.0.1:${running.monitoringPort}${path}`);
      return (await res.json()) as T;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close(1000).catch(() => undefined)));
      await running.stop();
    },
  };
}

const fixtures = new URL('../testdata/', import.meta.url);

export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, fixtures));
}

/** Deploys a fixture BPMN under its own file name. */
export async function deployFixture(
  client: ZeebeGrpcClient,
  name: string,
): Promise<{ key: string; processDefinitionKey: string; version: number }> {
  const r = await client.deployResource({ name, process: fixture(name) } as never);
  const p = r.deployments[0]?.process;
  if (!p) throw new Error(`deploying ${name} returned no process`);
  return { key: r.key, processDefinitionKey: p.processDefinitionKey, version: p.version };
}

export interface IncidentView {
  key: string;
  errorType: string;
  errorMessage: string;
  elementId: string;
  processInstanceKey: string;
  jobKey?: string;
}

/** Polls the read API until an incident of the instance shows up. */
export async function incidentOf(h: Harness, processInstanceKey: string, timeoutMs = 5000): Promise<IncidentView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await h.api<IncidentView[]>('/v1/incidents')).find(
      (i) => i.processInstanceKey === processInstanceKey,
    );
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no incident for instance ${processInstanceKey} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The error a rejected promise carries, or a failure when it resolved. */
export async function rejectionOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => new Error('expected a rejection, but the call succeeded'),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
}

/**
 * A plain grpc-js client on the same zeebe.proto, for requests the SDK cannot express
 * (it validates variables client-side and has no createProcessInstance by key).
 */
export function rawGateway(address: string): Record<string, (req: object) => Promise<Record<string, unknown>>> {
  const pkg = loadGatewayPackage() as unknown as {
    gateway_protocol: { Gateway: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client };
  };
  const client = new pkg.gateway_protocol.Gateway(address, grpc.credentials.createInsecure()) as unknown as Record<
    string,
    (req: object, cb: (err: Error | null, res: Record<string, unknown>) => void) => void
  >;
  return new Proxy(
    {},
    {
      get: (_t, method: string) => (req: object) =>
        new Promise((resolve, reject) => {
          const fn = client[method];
          if (!fn) throw new Error(`no rpc ${method}`);
          fn.call(client, req, (err, res) => (err ? reject(err) : resolve(res)));
        }),
    },
  );
}

/** Long-polls one job of the type (the instance may still be on its way there). */
export async function nextJob(
  client: ZeebeGrpcClient,
  type: string,
): Promise<Awaited<ReturnType<ZeebeGrpcClient['activateJobs']>>[number]> {
  const [job] = await client.activateJobs({
    type,
    worker: 't',
    timeout: 30_000,
    maxJobsToActivate: 1,
    requestTimeout: 2000,
  });
  if (!job) throw new Error(`no ${type} job within 2 s`);
  return job;
}
