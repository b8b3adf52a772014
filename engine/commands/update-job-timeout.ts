// UpdateJobTimeout (docs/zeebe-compatibility.md C22): an activated job's deadline becomes now + timeout.
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { jobFor } from './job-lookup.js';

export function updateJobTimeout(engine: Engine, jobKey: number, timeoutMs: number): void {
  const job = jobFor(engine, 'UPDATE_TIMEOUT', jobKey, ['ACTIVATED', 'ACTIVATABLE', 'FAILED', 'ERROR_THROWN']);
  if (job.state !== 'ACTIVATED') {
    throw new Rejection(
      'UPDATE_TIMEOUT',
      'INVALID_STATE',
      `Expected to update the deadline of job with key '${jobKey}', but it is not activated`,
    );
  }
  engine.execute((tx) => tx.emit({ type: 'JOB_TIMEOUT_UPDATED', key: job.key, deadline: tx.now + timeoutMs }));
}
