// Jobs of job-based elements (service, send, user tasks; message throw events): the job type and
// retries are evaluated when the element activates; a value that is not usable is an
// EXTRACT_VALUE_ERROR incident, as in Zeebe.
import { evaluateExpression } from '../../lib/feel/index.js';
import type { JobDefinition } from '../../lib/bpmn/index.js';
import type { ElementInstance } from '../state/engine-state.js';
import type { Flow } from './flow.js';
import { visibleVariables } from './variables.js';

export interface EvaluatedJob {
  type: string;
  retries: number;
}

/** The job's type and retries for this element instance, or undefined once an incident is raised. */
export function evaluateJob(flow: Flow, el: ElementInstance, job: JobDefinition): EvaluatedJob | undefined {
  const incident = (message: string): undefined => {
    flow.incident(el, 'EXTRACT_VALUE_ERROR', message);
    return undefined;
  };
  const vars = visibleVariables(flow.tx, el.key);
  const type = evaluateExpression(job.type, vars);
  if (!type.ok) return incident(type.error);
  if (typeof type.value !== 'string' || type.value === '') {
    return incident(`expected job type to be a non-empty string, but was ${JSON.stringify(type.value)}`);
  }
  const retries = evaluateExpression(job.retries, vars);
  if (!retries.ok) return incident(retries.error);
  const retryCount = Number(retries.value);
  if (!Number.isInteger(retryCount)) {
    return incident(`expected retries to be an integer, but was ${JSON.stringify(retries.value)}`);
  }
  return { type: type.value, retries: retryCount };
}

/** Creates the element instance's job; workers of its type can activate it once this commits. */
export function createJob(
  flow: Flow,
  el: ElementInstance,
  job: EvaluatedJob,
  customHeaders: Record<string, string>,
): void {
  const process = flow.processOf(el);
  flow.tx.emit({
    type: 'JOB_CREATED',
    key: flow.tx.nextKey(),
    jobType: job.type,
    retries: job.retries,
    customHeaders,
    elementInstanceKey: el.key,
    elementId: el.elementId,
    processInstanceKey: el.processInstanceKey,
    processDefinitionKey: el.processDefinitionKey,
    bpmnProcessId: process.bpmnProcessId,
    version: process.version,
    createdAt: flow.tx.now,
  });
}
