// CompleteJob, FailJob, ThrowError, UpdateJobRetries, UpdateJobTimeout (docs/zeebe-compatibility.md C18–C23).
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { setLocal } from '../behaviour/variables.js';
import { throwError as throwErrorEvent } from '../behaviour/errors.js';
import { jobFor } from './job-lookup.js';
import { parseVariablesDocument } from './variables-document.js';

export function completeJob(engine: Engine, jobKey: number, variablesText: string): void {
  const job = jobFor(engine, 'COMPLETE', jobKey);
  const variables = parseVariablesDocument('COMPLETE', variablesText);
  engine.execute((tx, flow) => {
    tx.emit({ type: 'JOB_COMPLETED', key: job.key });
    if (job.listener) flow.listenerCompleted(job.elementInstanceKey, job.listener, variables);
    else flow.completeElement(job.elementInstanceKey, variables);
  });
}

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
      const type = job.listener ? 'EXECUTION_LISTENER_NO_RETRIES' : 'JOB_NO_RETRIES';
      if (el) flow.incident(el, type, message, job.key);
    }
  });
}

export function throwError(
  engine: Engine,
  jobKey: number,
  errorCode: string,
  errorMessage: string,
  variablesText: string,
): void {
  const job = jobFor(engine, 'THROW_ERROR', jobKey);
  if (job.listener)
    throw new Rejection(
      'THROW_ERROR',
      'INVALID_STATE',
      `Expected to throw an error for job with key '${jobKey}', but it is an execution listener job; BPMN errors cannot be thrown from execution listeners`,
    );
  const variables = parseVariablesDocument('THROW_ERROR', variablesText);
  engine.execute((tx, flow) => {
    tx.emit({ type: 'JOB_ERROR_THROWN', key: job.key, errorCode, errorMessage });
    const el = tx.state.elements.get(job.elementInstanceKey);
    if (el) throwErrorEvent(flow, el, errorCode, errorMessage, variables);
  });
}

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
