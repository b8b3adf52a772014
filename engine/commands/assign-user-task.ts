// Assigning and unassigning a Camunda user task (Zeebe's ASSIGN intent; unassigning assigns
// nobody): a transition that waits for the task's `assigning` listeners (behaviour/user-tasks.ts).
import { startTransition } from '../behaviour/user-tasks.js';
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { taskFor } from './user-task-lookup.js';

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
