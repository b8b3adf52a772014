// ThrowError (docs/zeebe-compatibility.md C18, C23): a BPMN error from a job, caught by the
// nearest matching catch event or an incident; never from a listener's job.
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { throwError as throwErrorEvent } from '../behaviour/errors.js';
import { jobFor } from './job-lookup.js';
import { parseVariablesDocument } from './variables-document.js';

export function throwError(
  engine: Engine,
  jobKey: number,
  errorCode: string,
  errorMessage: string,
  variablesText: string,
): void {
  const job = jobFor(engine, 'THROW_ERROR', jobKey);
  if (job.listener || job.userTaskKey !== undefined)
    throw new Rejection(
      'THROW_ERROR',
      'INVALID_STATE',
      `Expected to throw an error for job with key '${jobKey}', but it is ${job.listener ? 'an execution' : 'a task'} listener job; BPMN errors cannot be thrown from listeners`,
    );
  const variables = parseVariablesDocument('THROW_ERROR', variablesText);
  engine.execute((tx, flow) => {
    tx.emit({ type: 'JOB_ERROR_THROWN', key: job.key, errorCode, errorMessage });
    const el = tx.state.elements.get(job.elementInstanceKey);
    if (el) throwErrorEvent(flow, el, errorCode, errorMessage, variables);
  });
}
