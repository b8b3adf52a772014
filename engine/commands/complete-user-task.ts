// Completing a Camunda user task with variables: a transition that waits for the task's
// `completing` listeners (behaviour/user-tasks.ts), then the element goes on.
import { startTransition } from '../behaviour/user-tasks.js';
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { taskFor } from './user-task-lookup.js';
import { jsonNestingDepth, MAX_VARIABLES_NESTING } from './variables-document.js';

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
