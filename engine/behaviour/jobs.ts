// Jobs of job-based elements (service, send, user tasks; message throw events): the job type and
// retries are evaluated when the element activates; a value that is not usable is an
// EXTRACT_VALUE_ERROR incident, as in Zeebe.
import { evaluateExpression } from '../../lib/feel/index.js';
import { parseDate, type ExecutionListener, type JobDefinition, type UserTaskHeader } from '../../lib/bpmn/index.js';
import type { ElementInstance } from '../state/engine-state.js';
import type { Flow } from './flow.js';
import { visibleVariables } from './variables.js';

export interface EvaluatedJob {
  type: string;
  retries: number;
}

/** The job's type and retries for this element instance, or undefined once an incident is raised. */
export function evaluateJob(
  flow: Flow,
  el: ElementInstance,
  job: Pick<JobDefinition, 'type' | 'retries'>,
): EvaluatedJob | undefined {
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

const NO_HEADERS: Record<string, string> = Object.freeze({});

/**
 * A job-based user task's io.camunda.zeebe:* headers as Zeebe writes them: candidates as a JSON
 * array (a static "a, b" is split at commas), dates as ISO 8601 date-times. Undefined once an
 * incident is raised.
 */
export function evaluateUserTaskHeaders(
  flow: Flow,
  el: ElementInstance,
  job: JobDefinition,
): Record<string, string> | undefined {
  if (!job.userTaskHeaders) return NO_HEADERS;
  const out: Record<string, string> = {};
  const entries = Object.entries(job.userTaskHeaders);
  if (!entries.length) return out;
  const vars = visibleVariables(flow.tx, el.key);
  for (const [name, header] of entries) {
    if (header.type === 'form') {
      const formKey = linkedFormKey(flow, el, header);
      if (formKey === undefined) return undefined;
      out[name] = formKey;
      continue;
    }
    const value = headerValue(header, vars);
    if (typeof value !== 'string') {
      flow.incident(el, 'EXTRACT_VALUE_ERROR', `${name.replace('io.camunda.zeebe:', '')}: ${value.error}`);
      return undefined;
    }
    out[name] = value;
  }
  return out;
}

/** The key of the latest deployed version of a linked form, or undefined once a FORM_NOT_FOUND incident is raised. */
function linkedFormKey(flow: Flow, el: ElementInstance, header: UserTaskHeader): string | undefined {
  const formId = header.expression.kind === 'static' ? header.expression.value : '';
  const s = flow.tx.state;
  const form = s.latestOf(s.formVersions, s.forms, formId);
  if (form) return String(form.key);
  flow.incident(el, 'FORM_NOT_FOUND', formNotFound(formId));
  return undefined;
}

/** Zeebe's words for a linked form that is not deployed. */
export function formNotFound(formId: string): string {
  return `Expected to find a form with id '${formId}', but no form with this id is found, at least a form with this id should be available. To resolve the Incident please deploy a form with the same id`;
}

/** A user task property as Zeebe hands it on: a string, a JSON array of strings, an ISO 8601 date-time. */
export function headerValue(header: UserTaskHeader, vars: Record<string, unknown>): string | { error: string } {
  const { expression, type } = header;
  if (expression.kind === 'static' && type === 'list')
    return JSON.stringify(
      expression.value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    );
  const r = evaluateExpression(expression, vars);
  if (!r.ok) return { error: r.error };
  const v = r.value;
  if (type === 'list') {
    if (typeof v === 'string') return JSON.stringify([v]);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return JSON.stringify(v);
    return { error: `expected a list of strings or a string, but was ${JSON.stringify(v)}` };
  }
  if (typeof v !== 'string') return { error: `expected a string, but was ${JSON.stringify(v)}` };
  if (type === 'date' && parseDate(v) === undefined)
    return { error: `expected an ISO 8601 date-time (2026-11-27T10:00:00Z), but was '${v}'` };
  return v;
}

/** Creates the element instance's job; workers of its type can activate it once this commits. */
export function createJob(
  flow: Flow,
  el: ElementInstance,
  job: EvaluatedJob,
  customHeaders: Record<string, string>,
  listener?: 'start' | 'end',
  userTaskKey?: number,
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
    ...(listener ? { listener } : {}),
    ...(userTaskKey !== undefined ? { userTaskKey } : {}),
  });
}

/**
 * An execution listener's job: the listener's type and retries, the element's headers with the
 * listener's over them. Returns false when an expression failed (an incident is raised).
 */
export function createListenerJob(
  flow: Flow,
  el: ElementInstance,
  listener: ExecutionListener,
  elementHeaders: Record<string, string>,
): boolean {
  const job = evaluateJob(flow, el, listener);
  if (!job) return false;
  createJob(flow, el, job, { ...elementHeaders, ...listener.headers }, listener.eventType);
  return true;
}
