// Starts a real procos-engine on a free loopback port and hands out official SDK clients.
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { loadGatewayPackage } from '../server/grpc-server.js';
import { startEngine, type RunningEngine } from '../procos-engine.js';
import type { Authenticator } from '../server/auth/index.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';
import { InstanceHistory, type InstanceRecord } from './instance-history.js';
import { ManualClock } from './manual-clock.js';
import { waitFor, waitUntil } from '../../lib/testing/wait-for.js';

export { sdkClient, ManualClock, waitFor, waitUntil, type InstanceRecord };

export interface HarnessOptions {
  dataDir?: string;
  tickMs?: number;
  snapshotEvery?: number;
  maxMessageBytes?: number;
  /** Serve the REST API (v2) too; 0 picks a free port. */
  restPort?: number;
  /** Who may call the engine (default: anyone); see engine/server/auth. */
  auth?: Authenticator;
  /**
   * The engine's clock. A ManualClock moves only when the test advances it, and each advance
   * runs the engine's due-time pass: timers, job timeouts, back-offs and TTLs without sleeping.
   */
  clock?: ManualClock | (() => number);
}

export interface Harness {
  running: RunningEngine;
  /** Every instance as the committed event stream describes it, ended ones included. */
  history: InstanceHistory;
  client(): ZeebeGrpcClient;
  /** GET on the engine's monitoring port (the JSON read API). */
  api<T = unknown>(path: string): Promise<T>;
  /** Waits until the instance has ended, completed or terminated, and tells how. */
  ended(processInstanceKey: string): Promise<InstanceRecord>;
  /** `ended`, narrowed to what a test compares exactly: state, end events, final variables. */
  outcome(processInstanceKey: string): Promise<Pick<InstanceRecord, 'state' | 'endEvents' | 'variables'>>;
  /** Waits until an ActivateJobs long poll or a job stream for `type` is open. */
  workerWaiting(type: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { clock, ...rest } = options;
  const running = await startEngine({
    host: '127.0.0.1',
    port: 0,
    monitoringPort: 0,
    log: pino({ level: 'silent' }),
    clock: clock instanceof ManualClock ? clock.now : clock,
    ...rest,
  });
  // A clock may outlive the engine (a restart test hands it to the next one): unhook on stop.
  const unhookClock = clock instanceof ManualClock ? clock.onAdvance(() => running.tick()) : undefined;
  const history = new InstanceHistory(running.engine);
  const clients: ZeebeGrpcClient[] = [];
  const record = (key: string): InstanceRecord | string => history.get(key) ?? `no event of instance ${key}`;
  const ended = (key: string): Promise<InstanceRecord> =>
    waitUntil(
      `process instance ${key} to end`,
      () => record(key),
      (r): r is InstanceRecord => typeof r !== 'string' && r.state !== 'ACTIVE',
    );
  return {
    running,
    history,
    client() {
      const c = sdkClient(running.address);
      clients.push(c);
      return c;
    },
    async api<T>(path: string): Promise<T> {
      const res = await fetch(`http://127.0.0.1:${running.monitoringPort}${path}`);
      return (await res.json()) as T;
    },
    ended,
    async outcome(key) {
      const { state, endEvents, variables } = await ended(key);
      return { state, endEvents, variables };
    },
    async workerWaiting(type) {
      await waitUntil(
        `a long poll or job stream for jobs of type '${type}'`,
        () => running.dispatcher.waitingTypes(),
        (types) => types.includes(type),
      );
    },
    async stop() {
      unhookClock?.();
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

/** Waits until the read API shows an incident of the instance. */
export async function incidentOf(h: Harness, processInstanceKey: string): Promise<IncidentView> {
  return waitFor(`an incident of process instance ${processInstanceKey} on the read API`, async () =>
    (await h.api<IncidentView[]>('/v1/incidents')).find((i) => i.processInstanceKey === processInstanceKey),
  );
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

type ActivatedJob = Awaited<ReturnType<ZeebeGrpcClient['activateJobs']>>[number];

/** Long-polls one job of the type (the instance may still be on its way there). */
export async function nextJob(client: ZeebeGrpcClient, type: string, timeoutMs = 15_000): Promise<ActivatedJob> {
  const [job] = await client.activateJobs({
    type,
    worker: 't',
    timeout: 30_000,
    maxJobsToActivate: 1,
    requestTimeout: timeoutMs,
  });
  if (!job) throw new Error(`no job of type '${type}' within ${timeoutMs} ms`);
  return job;
}

/**
 * Activates jobs of the type until the one of this process instance shows up. Jobs of other
 * instances it activates on the way stay activated (earlier tests may leave jobs behind).
 */
export async function jobOf(
  client: ZeebeGrpcClient,
  type: string,
  processInstanceKey: string,
  timeoutMs = 15_000,
): Promise<ActivatedJob> {
  const others: string[] = [];
  return waitUntil(
    () =>
      `a job of type '${type}' for process instance ${processInstanceKey} (jobs of other instances seen: ${others.join(', ') || 'none'})`,
    async () => {
      const jobs = await client.activateJobs({
        type,
        worker: 't',
        timeout: 30_000,
        maxJobsToActivate: 50,
        requestTimeout: 1000,
      });
      const mine = jobs.find((j) => j.processInstanceKey === processInstanceKey);
      for (const j of jobs) if (j !== mine) others.push(j.processInstanceKey);
      return mine;
    },
    (j): j is ActivatedJob => j !== undefined,
    { timeoutMs },
  );
}
