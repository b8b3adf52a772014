// Camunda user tasks through the API (Camunda 8 REST: /v2/user-tasks/…): assign, unassign,
// update and complete a task, and read the active ones. Each request starts a transition that
// waits for the task's listeners (behaviour/user-tasks.ts); a task already in a transition is
// INVALID_STATE, as in Zeebe.
import { parseDate } from '../../lib/bpmn/index.js';
import { startTransition } from '../behaviour/user-tasks.js';
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import type { UserTask } from '../state/engine-state.js';
import type { UserTaskProperties } from '../state/events.js';
import { jsonNestingDepth, MAX_VARIABLES_NESTING } from './variables-document.js';

function taskFor(engine: Engine, intent: string, verb: string, key: number): UserTask {
  const task = engine.state.userTasks.get(key);
  if (!task)
    throw new Rejection(
      intent,
      'NOT_FOUND',
      `Expected to ${verb} user task with key '${key}', but no such user task was found`,
    );
  if (task.state !== 'CREATED')
    throw new Rejection(
      intent,
      'INVALID_STATE',
      `Expected to ${verb} user task with key '${key}', but it is in state '${task.state}'`,
    );
  return task;
}

export interface AssignRequest {
  assignee: string;
  /** false: refuse when someone else has the task (default true). */
  allowOverride?: boolean;
}

export function assignUserTask(engine: Engine, key: number, r: AssignRequest): void {
  const task = taskFor(engine, 'ASSIGN', 'assign', key);
  if (r.assignee.trim() === '')
    throw new Rejection(
      'ASSIGN',
      'INVALID_ARGUMENT',
      'Expected an assignee, but it was empty; unassign the task instead',
    );
  if (r.allowOverride === false && task.assignee && task.assignee !== r.assignee)
    throw new Rejection(
      'ASSIGN',
      'INVALID_STATE',
      `Expected to assign user task with key '${key}', but it is already assigned to '${task.assignee}'`,
    );
  engine.execute((_tx, flow) => startTransition(flow, task, 'ASSIGNING', { assignee: r.assignee }));
}

export function unassignUserTask(engine: Engine, key: number): void {
  const task = taskFor(engine, 'ASSIGN', 'unassign', key);
  // An empty assignee is how the transition says "nobody".
  engine.execute((_tx, flow) => startTransition(flow, task, 'ASSIGNING', { assignee: '' }));
}

/** What an update may change; a date set to "" is cleared. */
export type UserTaskChangeset = Partial<
  Pick<UserTaskProperties, 'candidateGroups' | 'candidateUsers' | 'dueDate' | 'followUpDate' | 'priority'>
>;

export function updateUserTask(engine: Engine, key: number, changeset: UserTaskChangeset): void {
  const task = taskFor(engine, 'UPDATE', 'update', key);
  for (const name of ['dueDate', 'followUpDate'] as const) {
    const v = changeset[name];
    if (v !== undefined && v !== '' && parseDate(v) === undefined)
      throw new Rejection('UPDATE', 'INVALID_ARGUMENT', `Expected ${name} to be an ISO 8601 date-time, but was '${v}'`);
  }
  const p = changeset.priority;
  if (p !== undefined && (!Number.isInteger(p) || p < 0 || p > 100))
    throw new Rejection('UPDATE', 'INVALID_ARGUMENT', `Expected priority to be an integer from 0 to 100, but was ${p}`);
  engine.execute((_tx, flow) => startTransition(flow, task, 'UPDATING', changeset));
}

export function completeUserTask(engine: Engine, key: number, variables: Record<string, unknown> = {}): void {
  const task = taskFor(engine, 'COMPLETE', 'complete', key);
  if (jsonNestingDepth(JSON.stringify(variables)) > MAX_VARIABLES_NESTING)
    throw new Rejection(
      'COMPLETE',
      'INVALID_ARGUMENT',
      `Property 'variables' is invalid: Expected document to be nested at most ${MAX_VARIABLES_NESTING} levels deep, but it is nested deeper`,
    );
  engine.execute((_tx, flow) => startTransition(flow, task, 'COMPLETING', {}, variables));
}

/** A user task as Camunda 8.8's REST API shows it (keys as strings). */
export interface UserTaskView {
  userTaskKey: string;
  name?: string;
  state: string;
  assignee?: string;
  elementId: string;
  elementInstanceKey: string;
  candidateGroups: string[];
  candidateUsers: string[];
  processDefinitionId: string;
  processDefinitionKey: string;
  processDefinitionVersion: number;
  processInstanceKey: string;
  creationDate: string;
  dueDate?: string;
  followUpDate?: string;
  formKey?: string;
  externalFormReference?: string;
  priority: number;
  customHeaders: Record<string, string>;
  tenantId: string;
}

export function userTaskView(task: UserTask): UserTaskView {
  return {
    userTaskKey: String(task.key),
    ...(task.name ? { name: task.name } : {}),
    state: task.state,
    ...(task.assignee ? { assignee: task.assignee } : {}),
    elementId: task.elementId,
    elementInstanceKey: String(task.elementInstanceKey),
    candidateGroups: task.candidateGroups,
    candidateUsers: task.candidateUsers,
    processDefinitionId: task.bpmnProcessId,
    processDefinitionKey: String(task.processDefinitionKey),
    processDefinitionVersion: task.version,
    processInstanceKey: String(task.processInstanceKey),
    creationDate: new Date(task.createdAt).toISOString(),
    ...(task.dueDate ? { dueDate: task.dueDate } : {}),
    ...(task.followUpDate ? { followUpDate: task.followUpDate } : {}),
    ...(task.formKey ? { formKey: task.formKey } : {}),
    ...(task.externalFormReference ? { externalFormReference: task.externalFormReference } : {}),
    priority: task.priority,
    customHeaders: task.customHeaders,
    tenantId: '<default>',
  };
}

/** The active user tasks, oldest first. */
export function listUserTasks(engine: Engine): UserTaskView[] {
  return [...engine.state.userTasks.values()].sort((a, b) => a.key - b.key).map(userTaskView);
}
