// Job activation (docs/zeebe-compatibility.md C14–C16): FIFO among activatable jobs of a type whose retry back-off
// has passed; each activation sets worker and deadline and is durable before it is sent.
import type { Engine } from '../processor/engine.js';
import { visibleVariables } from '../behaviour/variables.js';
import type { Job } from '../state/engine-state.js';
import type { Transaction } from '../processor/transaction.js';

export interface ActivationRequest {
  type: string;
  worker: string;
  timeoutMs: number;
  maxJobs: number;
  fetchVariables: string[];
}

export interface ActivatedJob {
  key: number;
  type: string;
  processInstanceKey: number;
  bpmnProcessId: string;
  processDefinitionVersion: number;
  processDefinitionKey: number;
  elementId: string;
  elementInstanceKey: number;
  customHeaders: string;
  worker: string;
  retries: number;
  deadline: number;
  variables: string;
}

export function activateJobs(engine: Engine, r: ActivationRequest): ActivatedJob[] {
  const keys = engine.state.activatable.get(r.type);
  if (!keys?.size) return [];
  return engine.execute((tx) => {
    const jobs: ActivatedJob[] = [];
    for (const key of [...keys]) {
      if (jobs.length >= r.maxJobs) break;
      const job = activate(tx, key, r);
      if (job) jobs.push(job);
    }
    return jobs;
  });
}

/**
 * Job push: each job for the request of the stream it goes to, all in one command (one
 * command per job cost more than the activation itself). Undefined where a job was no longer
 * activatable.
 */
export function activateJobsFor(
  engine: Engine,
  assignments: readonly { key: number; request: Omit<ActivationRequest, 'maxJobs'> }[],
): (ActivatedJob | undefined)[] {
  if (assignments.length === 0) return [];
  return engine.execute((tx) => assignments.map(({ key, request }) => activate(tx, key, request)));
}

function activate(tx: Transaction, key: number, r: Omit<ActivationRequest, 'maxJobs'>): ActivatedJob | undefined {
  const job = tx.state.jobs.get(key);
  if (!job || job.state !== 'ACTIVATABLE' || job.type !== r.type || job.retryAt > tx.now) return undefined;
  const deadline = tx.now + r.timeoutMs;
  tx.emit({ type: 'JOB_ACTIVATED', key, worker: r.worker, deadline });
  return toActivatedJob(job, selectVariables(visibleVariables(tx, job.elementInstanceKey), r.fetchVariables));
}

function selectVariables(all: Record<string, unknown>, names: string[]): Record<string, unknown> {
  if (names.length === 0) return all;
  return Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n]]));
}

function toActivatedJob(job: Job, variables: Record<string, unknown>): ActivatedJob {
  return {
    key: job.key,
    type: job.type,
    processInstanceKey: job.processInstanceKey,
    bpmnProcessId: job.bpmnProcessId,
    processDefinitionVersion: job.version,
    processDefinitionKey: job.processDefinitionKey,
    elementId: job.elementId,
    elementInstanceKey: job.elementInstanceKey,
    customHeaders: JSON.stringify(job.customHeaders),
    worker: job.worker,
    retries: job.retries,
    deadline: job.deadline,
    variables: JSON.stringify(variables),
  };
}

/** Jobs handed out but never received (a closed stream or call) go back to the backlog. */
export function returnJobs(engine: Engine, keys: number[]): void {
  engine.execute((tx) => {
    for (const key of keys) if (tx.state.jobs.get(key)?.state === 'ACTIVATED') tx.emit({ type: 'JOB_TIMED_OUT', key });
  });
}
