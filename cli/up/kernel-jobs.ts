// The system calls only the microkernel can answer, served as job types like any others: the
// system processes (processes/) ask through service tasks, and this process — the one that
// runs the engine, the pools and the ingress — does the work. Job types:
//   procos.request.track / procos.request.reply   the request's instance reports in and answers
//   procos.system.check                            health of the engine and every pool's workers
//   procos.system.report-failure                   raise component failures to the root orchestrator
//   procos.system.restart                          restart a component (a pool's workers)
//   procos.system.alert                            say something to the operator (console and log)
//   procos.system.shutdown                         stop taking requests before the system stops
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import type { Logger } from 'pino';
import { REPLY_JOB, TRACK_JOB, type RequestGateway } from './requests/request-gateway.js';

export const COMPONENT_FAILED_MESSAGE = 'procos.component-failed';

export const KERNEL_JOB_TYPES = [
  TRACK_JOB,
  REPLY_JOB,
  'procos.system.check',
  'procos.system.report-failure',
  'procos.system.restart',
  'procos.system.alert',
  'procos.system.shutdown',
] as const;

export interface ComponentHealth {
  component: string;
  kind: 'engine' | 'pool' | 'ingress';
  healthy: boolean;
  detail: string;
}

export interface KernelDeps {
  zbc: ZeebeGrpcClient;
  gateway: RequestGateway;
  /** Health of everything the system runs now. */
  check: () => Promise<ComponentHealth[]>;
  /** Restarts a component by name; resolves to what was done. */
  restart: (component: string) => Promise<string>;
  /** Stops taking requests. */
  stopRequests: () => void;
  say: (line: string) => void;
  log: Logger;
}

interface Vars {
  request?: { id?: string };
  result?: unknown;
  error?: unknown;
  component?: string;
  severity?: string;
  message?: string;
  system?: string;
  health?: { unhealthy?: ComponentHealth[] };
}

/** Starts one SDK job worker per kernel job type; close the client to stop them. */
export function startKernelWorkers(d: KernelDeps): void {
  const handlers: Record<
    (typeof KERNEL_JOB_TYPES)[number],
    (v: Vars, headers: Record<string, string>, instanceKey: string) => Promise<Record<string, unknown>>
  > = {
    [TRACK_JOB]: (v, _h, instanceKey) => {
      if (v.request?.id) d.gateway.tracked(v.request.id, instanceKey);
      return Promise.resolve({});
    },
    [REPLY_JOB]: (v, h, instanceKey) => {
      const failed = h.outcome === 'failed';
      if (v.request?.id)
        d.gateway.answered(v.request.id, {
          instanceKey,
          failed,
          result: failed ? undefined : (v.result ?? null),
          error: failed ? describeError(v.error) : undefined,
        });
      return Promise.resolve({});
    },
    'procos.system.check': async () => {
      const components = await d.check();
      const unhealthy = components.filter((c) => !c.healthy);
      return {
        health: { healthy: unhealthy.length === 0, checkedAt: new Date().toISOString(), components, unhealthy },
      };
    },
    'procos.system.report-failure': async (v) => {
      const failures: { component: string; severity: string; error: string }[] = v.health?.unhealthy?.length
        ? v.health.unhealthy.map((c) => ({ component: c.component, severity: 'medium', error: c.detail }))
        : [{ component: v.component ?? 'unknown', severity: v.severity ?? 'high', error: describeError(v.error) }];
      for (const f of failures) {
        d.say(`component ${f.component} failed (${f.severity}): ${f.error}`);
        await d.zbc.publishMessage({
          name: COMPONENT_FAILED_MESSAGE,
          correlationKey: v.system ?? 'procos',
          variables: { failure: f },
          timeToLive: 0,
        });
      }
      return { reported: failures.length };
    },
    'procos.system.restart': async (v) => {
      const component = v.component ?? '';
      return { restart: { component, outcome: await d.restart(component) } };
    },
    'procos.system.alert': (v, h) => {
      const line = `ALERT ${h.level ?? 'warning'}: ${v.message ?? describeError(v.error)}`;
      d.say(line);
      d.log.warn({ alert: v }, line);
      return Promise.resolve({});
    },
    'procos.system.shutdown': () => {
      d.stopRequests();
      d.say('requests are no longer taken');
      return Promise.resolve({ shutdown: { requestsStopped: true } });
    },
  };
  for (const taskType of KERNEL_JOB_TYPES) {
    const handle = handlers[taskType];
    d.zbc.createWorker({
      taskType,
      id: 'procos-kernel',
      // Every request passes two kernel jobs: do not make them wait for a slot.
      maxJobsToActivate: 128,
      timeout: 30_000,
      taskHandler: async (job) => {
        try {
          const out = await handle(job.variables, job.customHeaders as Record<string, string>, job.processInstanceKey);
          return await job.complete(out as never);
        } catch (err) {
          d.log.error({ taskType, err: (err as Error).message }, 'kernel job failed');
          return job.fail({ errorMessage: (err as Error).message, retries: job.retries - 1, retryBackOff: 1000 });
        }
      },
    });
  }
}

function describeError(e: unknown): string {
  if (e === undefined || e === null) return 'no error variable was set';
  if (typeof e === 'string') return e;
  const m = (e as { message?: unknown }).message;
  return typeof m === 'string' ? m : JSON.stringify(e);
}
