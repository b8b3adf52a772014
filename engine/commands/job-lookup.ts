import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import type { Job, JobState } from '../state/engine-state.js';

const VERB: Record<string, string> = {
  COMPLETE: 'complete',
  FAIL: 'fail',
  THROW_ERROR: 'throw an error for',
  UPDATE_RETRIES: 'update retries for',
  UPDATE_TIMEOUT: 'update the deadline of',
};

/** The job a command targets, in one of the allowed states (docs/zeebe-compatibility.md C18). */
export function jobFor(
  engine: Engine,
  intent: string,
  key: number,
  allowed: JobState[] = ['ACTIVATED', 'ACTIVATABLE'],
): Job {
  const verb = VERB[intent] ?? intent.toLowerCase();
  const job = engine.state.jobs.get(key);
  if (!job)
    throw new Rejection(intent, 'NOT_FOUND', `Expected to ${verb} job with key '${key}', but no such job was found`);
  if (!allowed.includes(job.state)) {
    throw new Rejection(
      intent,
      'INVALID_STATE',
      `Expected to ${verb} job with key '${key}', but it is in state '${job.state}'`,
    );
  }
  return job;
}
