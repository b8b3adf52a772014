// Camunda user tasks (zeebe:userTask): no job; the element waits for its user task
// (user-tasks.ts) to be completed through the REST API.
import type { ElementBehaviour } from '../element-behaviour.js';
import { createUserTask } from '../user-tasks.js';

export const userTask: ElementBehaviour = {
  activate(flow, el, node) {
    createUserTask(flow, el, node);
  },
};
