// UpdateJobRetries (docs/zeebe-compatibility.md C21): sets the retries; an incident stays until
// it is resolved.
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { jobFor } from './job-lookup.js';

export function updateJobRetries(engine: Engine, jobKey: number, retries: number): void {
  if (retries < 1) {
    throw new Rejection(
      'UPDATE_RETRIES',
      'INVALID_ARGUMENT',
      `Expected retries to be greater than zero, but it was ${retries}`,
    );
  }
  const job = jobFor(engine, 'UPDATE_RETRIES', jobKey, ['ACTIVATABLE', 'ACTIVATED', 'FAILED', 'ERROR_THROWN']);
  engine.execute((tx) => tx.emit({ type: 'JOB_RETRIES_UPDATED', key: job.key, retries }));
}
