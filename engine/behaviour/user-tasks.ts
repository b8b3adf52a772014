// Camunda user tasks (zeebe:userTask, Camunda 8.5+): no job. The element waits while the task
// moves through its lifecycle — created, then assigned, updated and completed through the REST
// API — and each transition waits for its task listeners (jobs, in model order), which may
// correct what it changes or deny it. The element completes when the task does.
import { evaluateExpression } from '../../lib/feel/index.js';
import type { FlowNode, TaskListenerEvent, UserTaskDefinition, UserTaskHeader } from '../../lib/bpmn/index.js';
import type { ElementInstance, UserTask } from '../state/engine-state.js';
import type { UserTaskProperties, UserTaskTransition } from '../state/events.js';
import { openBoundaryTriggers } from './event-triggers.js';
import type { Flow } from './flow.js';
import { createJob, evaluateJob, formNotFound, headerValue } from './jobs.js';
import { visibleVariables } from './variables.js';

const LISTENER_EVENT: Record<UserTaskTransition, TaskListenerEvent> = {
  CREATING: 'creating',
  ASSIGNING: 'assigning',
  UPDATING: 'updating',
  COMPLETING: 'completing',
};

/** Zeebe's default when a task names no priority. */
export const DEFAULT_PRIORITY = 50;

function definitionOf(flow: Flow, task: UserTask): UserTaskDefinition | undefined {
  const process = flow.tx.state.processes.get(task.processDefinitionKey);
  return process?.model.elements.get(task.elementId)?.userTask;
}

/**
 * The task's properties for this element instance, or a string saying which one could not be
 * evaluated (and the incident's error type).
 */
function evaluateProperties(
  flow: Flow,
  el: ElementInstance,
  def: UserTaskDefinition,
):
  | { properties: UserTaskProperties; assignee?: string }
  | { errorType: 'EXTRACT_VALUE_ERROR' | 'FORM_NOT_FOUND'; message: string } {
  const vars = visibleVariables(flow.tx, el.key);
  const values: Record<string, string> = {};
  for (const name of ['assignee', 'candidateGroups', 'candidateUsers', 'dueDate', 'followUpDate'] as const) {
    const header: UserTaskHeader | undefined = def[name];
    if (!header) continue;
    const v = headerValue(header, vars);
    if (typeof v !== 'string') return { errorType: 'EXTRACT_VALUE_ERROR', message: `${name}: ${v.error}` };
    values[name] = v;
  }
  let priority = DEFAULT_PRIORITY;
  if (def.priority) {
    const r = evaluateExpression(def.priority, vars);
    const n = r.ok ? Number(r.value) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 100)
      return {
        errorType: 'EXTRACT_VALUE_ERROR',
        message: `priority: ${r.ok ? `expected an integer from 0 to 100, but was ${JSON.stringify(r.value)}` : r.error}`,
      };
    priority = n;
  }
  let externalFormReference: string | undefined;
  if (def.externalFormReference) {
    const r = evaluateExpression(def.externalFormReference, vars);
    if (!r.ok || typeof r.value !== 'string')
      return {
        errorType: 'EXTRACT_VALUE_ERROR',
        message: `external form reference: ${r.ok ? `expected a string, but was ${JSON.stringify(r.value)}` : r.error}`,
      };
    externalFormReference = r.value;
  }
  let formKey = def.formKey;
  if (def.formId) {
    const s = flow.tx.state;
    const form = s.latestOf(s.formVersions, s.forms, def.formId);
    if (!form)
      return {
        errorType: 'FORM_NOT_FOUND',
        message: formNotFound(def.formId),
      };
    formKey = String(form.key);
  }
  const list = (v: string | undefined): string[] => (v ? (JSON.parse(v) as string[]) : []);
  return {
    properties: {
      candidateGroups: list(values.candidateGroups),
      candidateUsers: list(values.candidateUsers),
      ...(values.dueDate ? { dueDate: values.dueDate } : {}),
      ...(values.followUpDate ? { followUpDate: values.followUpDate } : {}),
      priority,
      ...(formKey ? { formKey } : {}),
      ...(externalFormReference ? { externalFormReference } : {}),
    },
    assignee: values.assignee || undefined,
  };
}

/** Creates the element's user task; false when a property failed (an incident is raised). */
export function createUserTask(flow: Flow, el: ElementInstance, node: FlowNode): boolean {
  const def = node.userTask;
  if (!def) throw new Error(`${node.id} is not a Camunda user task`);
  const evaluated = evaluateProperties(flow, el, def);
  if ('errorType' in evaluated) {
    flow.incident(el, evaluated.errorType, evaluated.message);
    return false;
  }
  flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
  openBoundaryTriggers(flow, el, node);
  const process = flow.processOf(el);
  const key = flow.tx.nextKey();
  flow.tx.emit({
    type: 'USER_TASK_CREATING',
    key,
    elementInstanceKey: el.key,
    elementId: el.elementId,
    ...(node.name ? { name: node.name } : {}),
    processInstanceKey: el.processInstanceKey,
    processDefinitionKey: el.processDefinitionKey,
    bpmnProcessId: process.bpmnProcessId,
    version: process.version,
    properties: evaluated.properties,
    customHeaders: def.headers,
    createdAt: flow.tx.now,
  });
  flow.tx.emit({
    type: 'USER_TASK_TRANSITION',
    key,
    transition: 'CREATING',
    changes: evaluated.assignee ? { assignee: evaluated.assignee } : {},
  });
  continueTransition(flow, key);
  return true;
}

/** Begins a transition requested through the API (the task is CREATED). */
export function startTransition(
  flow: Flow,
  task: UserTask,
  transition: Exclude<UserTaskTransition, 'CREATING'>,
  changes: Partial<UserTaskProperties>,
  variables?: Record<string, unknown>,
): void {
  flow.tx.emit({
    type: 'USER_TASK_TRANSITION',
    key: task.key,
    transition,
    changes,
    ...(variables ? { variables } : {}),
  });
  continueTransition(flow, task.key);
  flow.run();
}

/** Runs the transition's next task listener, or finishes the transition once they all ran. */
export function continueTransition(flow: Flow, taskKey: number): void {
  const task = flow.tx.state.userTasks.get(taskKey);
  const el = task ? flow.tx.state.elements.get(task.elementInstanceKey) : undefined;
  if (!task || !el || task.state === 'CREATED') return;
  const listeners = (definitionOf(flow, task)?.taskListeners ?? []).filter(
    (l) => l.eventType === LISTENER_EVENT[task.state as UserTaskTransition],
  );
  const next = listeners[task.listenersDone];
  if (next) {
    const job = evaluateJob(flow, el, next);
    if (job) createJob(flow, el, job, listenerHeaders(task), undefined, task.key);
    return;
  }
  const transition = task.state;
  const variables = task.completionVariables;
  if (transition === 'CREATING') {
    // The initial assignee is assigned once the task exists, through the assigning listeners.
    const { assignee, ...created } = task.pending ?? {};
    flow.tx.emit({ type: 'USER_TASK_TRANSITIONED', key: task.key, changes: created });
    if (!assignee) return;
    flow.tx.emit({ type: 'USER_TASK_TRANSITION', key: task.key, transition: 'ASSIGNING', changes: { assignee } });
    return continueTransition(flow, task.key);
  }
  flow.tx.emit({ type: 'USER_TASK_TRANSITIONED', key: task.key, changes: task.pending ?? {} });
  if (transition === 'COMPLETING') {
    flow.tx.emit({ type: 'USER_TASK_ENDED', key: task.key, completed: true });
    flow.completeElement(el.key, variables ?? {});
  }
}

/** What a task listener's job tells its worker about the task (Zeebe's io.camunda.zeebe:* headers). */
function listenerHeaders(task: UserTask): Record<string, string> {
  const p = { ...task, ...task.pending };
  const h: Record<string, string> = { ...task.customHeaders, 'io.camunda.zeebe:userTaskKey': String(task.key) };
  if (p.assignee) h['io.camunda.zeebe:assignee'] = p.assignee;
  if (p.candidateGroups.length) h['io.camunda.zeebe:candidateGroups'] = JSON.stringify(p.candidateGroups);
  if (p.candidateUsers.length) h['io.camunda.zeebe:candidateUsers'] = JSON.stringify(p.candidateUsers);
  if (p.dueDate) h['io.camunda.zeebe:dueDate'] = p.dueDate;
  if (p.followUpDate) h['io.camunda.zeebe:followUpDate'] = p.followUpDate;
  if (p.formKey) h['io.camunda.zeebe:formKey'] = p.formKey;
  h['io.camunda.zeebe:priority'] = String(p.priority);
  return h;
}

/** What a task listener's job completion may carry besides completing it (Camunda's job result). */
export interface TaskListenerResult {
  denied?: boolean;
  deniedReason?: string;
  corrections?: Partial<UserTaskProperties>;
}

/** A task listener's job completed: apply its corrections, or its denial, then go on. */
export function taskListenerCompleted(flow: Flow, taskKey: number, result: TaskListenerResult = {}): void {
  if (result.denied) {
    flow.tx.emit({ type: 'USER_TASK_TRANSITION_DENIED', key: taskKey, reason: result.deniedReason ?? '' });
    return;
  }
  if (result.corrections && Object.keys(result.corrections).length)
    flow.tx.emit({ type: 'USER_TASK_CORRECTED', key: taskKey, corrections: result.corrections });
  continueTransition(flow, taskKey);
  flow.run();
}
