// Serves a pool's job types with @camunda8/sdk workers (real Zeebe and procos-engine alike) and
// maps each adapter outcome once: variables → CompleteJob; BpmnError → ThrowError with its code;
// TransientError → retried here `retries` times with exponential backoff, then FailJob with one
// retry less and a back-off; anything else → FailJob with retries 0, so an incident carries
// the message.
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import type { Logger } from 'pino';
import { BpmnError, TransientError, type JobContext } from './adapters/index.js';
import type { BoundHandler, LoadedPool } from './pool-config.js';

export interface JobRuntimeOptions {
  /** First local retry delay; doubles per attempt (tests pass a small one). */
  retryBaseMs?: number;
  /** Back-off the engine applies before the job is activatable again after a failed attempt. */
  engineRetryBackOffMs?: number;
}

type Outcome =
  | { kind: 'complete'; variables: Record<string, unknown> }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'fail'; message: string; retriesLeft: 'one less' | 'none' };

/** Runs a handler with its local retries; never throws. */
export async function runHandler(
  h: Pick<BoundHandler, 'run' | 'retries'>,
  variables: Record<string, unknown>,
  context: JobContext,
  retryBaseMs = 200,
): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { kind: 'complete', variables: await h.run(variables, context) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof BpmnError) return { kind: 'error', code: err.code, message };
      if (!(err instanceof TransientError)) return { kind: 'fail', message, retriesLeft: 'none' };
      if (attempt >= h.retries) return { kind: 'fail', message, retriesLeft: 'one less' };
      await new Promise((r) => setTimeout(r, retryBaseMs * 2 ** attempt));
    }
  }
}

export function startJobWorkers(
  zbc: ZeebeGrpcClient,
  pool: LoadedPool,
  log: Logger,
  o: JobRuntimeOptions = {},
): { close(): Promise<void> } {
  for (const h of pool.handlers) {
    zbc.createWorker({
      taskType: h.taskType,
      maxJobsToActivate: pool.maxJobsActive,
      timeout: h.timeoutSeconds * 1000,
      fetchVariable: h.fetchVariables,
      taskHandler: async (job) => {
        const jobLog = log.child({ jobKey: job.key, jobType: job.type, processInstanceKey: job.processInstanceKey });
        const context: JobContext = {
          jobKey: job.key,
          jobType: job.type,
          processInstanceKey: job.processInstanceKey,
          elementId: job.elementId,
          headers: job.customHeaders as Record<string, string>,
          signal: new AbortController().signal,
          policy: pool.policy,
          log: jobLog,
        };
        const outcome = await runHandler(h, job.variables, context, o.retryBaseMs);
        switch (outcome.kind) {
          case 'complete':
            jobLog.debug('completed');
            return job.complete(outcome.variables as Parameters<typeof job.complete>[0]);
          case 'error':
            jobLog.info({ errorCode: outcome.code }, outcome.message);
            return job.error({ errorCode: outcome.code, errorMessage: outcome.message, variables: {} });
          case 'fail':
            jobLog.warn({ retriesLeft: outcome.retriesLeft }, outcome.message);
            return job.fail({
              errorMessage: outcome.message,
              retries: outcome.retriesLeft === 'none' ? 0 : Math.max(0, job.retries - 1),
              retryBackOff: outcome.retriesLeft === 'none' ? 0 : (o.engineRetryBackOffMs ?? 1000),
            });
        }
      },
    });
  }
  return {
    async close() {
      await zbc.close(5000);
    },
  };
}
