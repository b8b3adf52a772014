// The Camunda user task a command targets: it must exist and be in no transition (a task already
// in one is INVALID_STATE, as in Zeebe).
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import type { UserTask } from '../state/engine-state.js';

export function taskFor(engine: Engine, intent: string, verb: string, key: number): UserTask {
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
