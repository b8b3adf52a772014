// The system calls only the microkernel can answer, served as job types like any others: the
// system processes (processes/) ask through service tasks, and whoever runs the system does the
// work — `procos up` on one machine (cli/up/kernel.ts), the operator's leader on a cluster
// (operator/kernel/). Both implement KernelPort; the job handling here is shared. Job types:
//   procos.request.track / procos.request.reply   the request's instance reports in and answers
//   procos.system.check                            health of the engine and every pool's workers
//   procos.system.report-failure                   raise component failures to the root orchestrator
//   procos.system.restart                          restart a component (a pool's workers)
//   procos.system.alert                            say something to the operator (console, log, Event)
//   procos.system.shutdown                         stop taking requests before the system stops
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import type { Logger } from 'pino';

export const TRACK_JOB = 'procos.request.track';
export const REPLY_JOB = 'procos.request.reply';
export const COMPONENT_FAILED_MESSAGE = 'procos.component-failed';
/** The root orchestrator's process id (processes/root-orchestrator.bpmn). */
export const ROOT_PROCESS = 'procos-root';
/** The root's correlation key for shutdown and component failures. */
export const SYSTEM_KEY = 'procos';

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

/** Where a request's instance reports in and answers (procos up's RequestGateway). */
export interface RequestTracker {
  tracked(id: string, instanceKey: string): void;
  answered(id: string, o: { instanceKey: string; result?: unknown; error?: string; failed: boolean }): void;
}

/** An alert of a system process (procos.system.alert): its level header and message. */
export interface KernelAlert {
  level: string;
  message: string;
  /** The process that raised it, and its instance. */
  bpmnProcessId: string;
  processInstanceKey: string;
}

export interface ShutdownOutcome {
  requestsStopped: boolean;
  reason?: string;
}

/** What the kernel's system calls need of whoever runs the system. */
export interface KernelPort {
  zbc: Pick<ZeebeGrpcClient, 'createWorker' | 'publishMessage'>;
  requests: RequestTracker;
  /** Health of everything the system runs now. */
  check: () => Promise<ComponentHealth[]>;
  /** Restarts a component by name; resolves to what was done (an unknown one is said so, not thrown). */
  restart: (component: string) => Promise<string>;
  /** procos.system.shutdown: what stopping means here. */
  shutdown: () => ShutdownOutcome;
  /** Tells the operator of the system (the console, an Event); the warn log line is written here. */
  alert: (a: KernelAlert) => void;
  say: (line: string) => void;
  log: Logger;
}

/** The job workers, to stop them (leadership lost) without closing the client. */
export interface KernelWorkers {
  close(): Promise<void>;
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

interface JobContext {
  headers: Record<string, string>;
  processInstanceKey: string;
  bpmnProcessId: string;
}

type Handler = (v: Vars, job: JobContext) => Promise<Record<string, unknown>>;

function kernelHandlers(d: KernelPort): Record<(typeof KERNEL_JOB_TYPES)[number], Handler> {
  return {
    [TRACK_JOB]: (v, job) => {
      if (v.request?.id) d.requests.tracked(v.request.id, job.processInstanceKey);
      return Promise.resolve({});
    },
    [REPLY_JOB]: (v, job) => {
      const failed = job.headers.outcome === 'failed';
      if (v.request?.id)
        d.requests.answered(v.request.id, {
          instanceKey: job.processInstanceKey,
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
          correlationKey: v.system ?? SYSTEM_KEY,
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
    'procos.system.alert': (v, job) => {
      const level = job.headers.level ?? 'warning';
      const message = v.message ?? describeError(v.error);
      const line = `ALERT ${level}: ${message}`;
      d.log.warn({ level, bpmnProcessId: job.bpmnProcessId, processInstanceKey: job.processInstanceKey }, line);
      d.alert({ level, message, bpmnProcessId: job.bpmnProcessId, processInstanceKey: job.processInstanceKey });
      return Promise.resolve({});
    },
    'procos.system.shutdown': () => Promise.resolve({ shutdown: d.shutdown() }),
  };
}

/** Starts one SDK job worker per kernel job type. */
export function startKernelWorkers(d: KernelPort): KernelWorkers {
  const handlers = kernelHandlers(d);
  const workers = KERNEL_JOB_TYPES.map((taskType) => {
    const handle = handlers[taskType];
    return d.zbc.createWorker({
      taskType,
      id: 'procos-kernel',
      // Every request passes two kernel jobs: do not make them wait for a slot.
      maxJobsToActivate: 128,
      timeout: 30_000,
      taskHandler: async (job) => {
        try {
          const out = await handle(job.variables, {
            headers: job.customHeaders as Record<string, string>,
            processInstanceKey: job.processInstanceKey,
            bpmnProcessId: job.bpmnProcessId,
          });
          return await job.complete(out as never);
        } catch (err) {
          d.log.error({ taskType, err: (err as Error).message }, 'kernel job failed');
          return job.fail({ errorMessage: (err as Error).message, retries: job.retries - 1, retryBackOff: 1000 });
        }
      },
    });
  });
  return {
    async close() {
      await Promise.all(workers.map((w) => w.close(2000).catch(() => undefined)));
    },
  };
}

function describeError(e: unknown): string {
  if (e === undefined || e === null) return 'no error variable was set';
  if (typeof e === 'string') return e;
  const m = (e as { message?: unknown }).message;
  return typeof m === 'string' ? m : JSON.stringify(e);
}
