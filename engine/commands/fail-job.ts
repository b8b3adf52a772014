// FailJob (docs/zeebe-compatibility.md C18, C20): retries left make the job activatable again
// after its back-off; none left is an incident.
import type { Engine } from '../processor/engine.js';
import { setLocal } from '../behaviour/variables.js';
import { jobFor } from './job-lookup.js';
import { parseVariablesDocument } from './variables-document.js';

export interface FailJobRequest {
  jobKey: number;
  retries: number;
  errorMessage: string;
  retryBackOffMs: number;
  variables: string;
}

export function failJob(engine: Engine, r: FailJobRequest): void {
  const job = jobFor(engine, 'FAIL', r.jobKey);
  const variables = parseVariablesDocument('FAIL', r.variables);
  engine.execute((tx, flow) => {
    for (const [name, value] of Object.entries(variables)) setLocal(tx, job.elementInstanceKey, name, value);
    const retryAt = r.retries > 0 && r.retryBackOffMs > 0 ? tx.now + r.retryBackOffMs : 0;
    tx.emit({ type: 'JOB_FAILED', key: job.key, retries: r.retries, errorMessage: r.errorMessage, retryAt });
    if (r.retries <= 0) {
      const el = tx.state.elements.get(job.elementInstanceKey);
      const message = r.errorMessage || 'No more retries left.';
      const type =
        job.userTaskKey !== undefined
          ? 'TASK_LISTENER_NO_RETRIES'
          : job.listener
            ? 'EXECUTION_LISTENER_NO_RETRIES'
            : 'JOB_NO_RETRIES';
      if (el) flow.incident(el, type, message, job.key);
    }
  });
}
