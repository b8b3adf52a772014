// A Camunda user task as the REST API shows it (engine/rest/user-tasks.ts), read from the engine's
// state; a completed or canceled task is gone from it.
import type { Engine } from '../processor/engine.js';
import type { UserTask } from '../state/engine-state.js';

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
