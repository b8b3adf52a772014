// CompleteJob (docs/zeebe-compatibility.md C18, C19): the element goes on with the job's
// variables; a task listener's or an ad-hoc subprocess's job may carry Camunda's job result.
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
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
