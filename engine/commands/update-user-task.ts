// Updating a Camunda user task's candidates, dates and priority: a transition that waits for
// the task's `updating` listeners (behaviour/user-tasks.ts).
import { parseDate } from '../../lib/bpmn/index.js';
import { startTransition } from '../behaviour/user-tasks.js';
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { taskFor } from './user-task-lookup.js';
import type { UserTaskProperties } from '../state/events.js';

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
