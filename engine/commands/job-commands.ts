// CompleteJob, FailJob, ThrowError, UpdateJobRetries, UpdateJobTimeout (docs/zeebe-compatibility.md C18–C23).
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { setLocal } from '../behaviour/variables.js';
import { throwError as throwErrorEvent } from '../behaviour/errors.js';
import { taskListenerCompleted, type TaskListenerResult } from '../behaviour/user-tasks.js';
import { adHocJobCompleted, unknownElements, type AdHocResult } from '../behaviour/elements/ad-hoc-sub-process.js';
import type { ElementInstance } from '../state/engine-state.js';
import { jobFor } from './job-lookup.js';
import { parseVariablesDocument } from './variables-document.js';

/** Camunda's job result (REST only): for a task listener's job or an ad-hoc subprocess's. */
export type JobResult = ({ type: 'userTask' } & TaskListenerResult) | ({ type: 'adHocSubProcess' } & AdHocResult);

/** Completes a job; a task listener's or an ad-hoc subprocess's job may carry a job result. */
export function completeJob(engine: Engine, jobKey: number, variablesText: string, result?: JobResult): void {
  const job = jobFor(engine, 'COMPLETE', jobKey);
  const variables = parseVariablesDocument('COMPLETE', variablesText);
  const el = engine.state.elements.get(job.elementInstanceKey);
  const adHoc = el?.kind === 'adHocSubProcess' && !job.listener ? el : undefined;
  const wrongResult = (kind: string): Rejection =>
    new Rejection(
      'COMPLETE',
      'INVALID_ARGUMENT',
      `Expected a job result of type '${kind}' for job with key '${jobKey}', but it was '${result?.type ?? ''}'`,
    );
  if (job.userTaskKey !== undefined) {
    if (result && result.type !== 'userTask') throw wrongResult('userTask');
    checkTaskListenerCompletion(engine, job.userTaskKey, jobKey, variables, result);
  } else if (adHoc) {
    if (result && result.type !== 'adHocSubProcess') throw wrongResult('adHocSubProcess');
    if (result) checkAdHocResult(engine, adHoc, jobKey, result);
  } else if (result)
    throw new Rejection(
      'COMPLETE',
      'INVALID_ARGUMENT',
      `Expected a job result only for task listener and ad-hoc sub-process jobs, but job with key '${jobKey}' is neither`,
    );
  engine.execute((tx, flow) => {
    tx.emit({ type: 'JOB_COMPLETED', key: job.key });
    if (job.userTaskKey !== undefined)
      taskListenerCompleted(flow, job.userTaskKey, result?.type === 'userTask' ? result : undefined);
    else if (job.listener) flow.listenerCompleted(job.elementInstanceKey, job.listener, variables);
    else if (adHoc) adHocJobCompleted(flow, adHoc, variables, result?.type === 'adHocSubProcess' ? result : undefined);
    else flow.completeElement(job.elementInstanceKey, variables);
  });
}

function checkAdHocResult(engine: Engine, adHoc: ElementInstance, jobKey: number, result: AdHocResult): void {
  const node = engine.state.processes.get(adHoc.processDefinitionKey)?.model.elements.get(adHoc.elementId);
  const unknown = node
    ? unknownElements(
        node,
        result.activateElements.map((a) => a.elementId),
      )
    : [];
  if (unknown.length)
    throw new Rejection(
      'COMPLETE',
      'INVALID_ARGUMENT',
      `Expected to activate activities for ad-hoc sub-process with key '${adHoc.key}', but the given elements [${unknown.join(', ')}] do not exist`,
    );
  if (result.isCompletionConditionFulfilled && result.activateElements.length)
    throw new Rejection(
      'COMPLETE',
      'INVALID_ARGUMENT',
      `Expected to complete job with key '${jobKey}' either activating elements or fulfilling the completion condition, but it did both`,
    );
}

function checkTaskListenerCompletion(
  engine: Engine,
  taskKey: number,
  jobKey: number,
  variables: Record<string, unknown>,
  result: TaskListenerResult | undefined,
): void {
  // Zeebe: a task listener changes the task through corrections, not variables.
  if (Object.keys(variables).length)
    throw new Rejection(
      'COMPLETE',
      'INVALID_ARGUMENT',
      `Expected to complete task listener job with key '${jobKey}' without variables, but variables were given; use corrections`,
    );
  if (result?.denied && engine.state.userTasks.get(taskKey)?.state === 'CREATING')
    throw new Rejection(
      'COMPLETE',
      'INVALID_ARGUMENT',
      `Expected to complete task listener job with key '${jobKey}', but denying the creation of a user task is not possible`,
    );
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
