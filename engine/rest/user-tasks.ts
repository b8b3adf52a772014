// Camunda user tasks over REST (/v2/user-tasks/…): search, get, assign, unassign, update,
// complete and the task's form (its variables: variables.ts). Engine state holds the active tasks; a completed
// or canceled one is gone from it. Each change starts a transition that waits for the task's
// listeners (engine/behaviour/user-tasks.ts): the answer is 204 once it has begun.
import { z } from 'zod';
import { assignUserTask, unassignUserTask } from '../commands/assign-user-task.js';
import { completeUserTask } from '../commands/complete-user-task.js';
import { updateUserTask, type UserTaskChangeset } from '../commands/update-user-task.js';
import type { UserTask } from '../state/engine-state.js';
import { badRequest, notFound } from './problems.js';
import { DEFAULT_TENANT, parseKey, type RestContext, type Route } from './route.js';
import { search, type SearchSpec } from './search.js';
import { userTaskView } from './user-task-view.js';

const Assignment = z
  .object({ assignee: z.string(), allowOverride: z.boolean().nullish(), action: z.string().nullish() })
  .strict();
const Changeset = z
  .object({
    dueDate: z.string().nullish(),
    followUpDate: z.string().nullish(),
    candidateGroups: z.array(z.string()).nullish(),
    candidateUsers: z.array(z.string()).nullish(),
    priority: z.number().int().nullish(),
  })
  .strict();
const Update = z.object({ changeset: Changeset.nullish(), action: z.string().nullish() }).strict();
const Completion = z
  .object({ variables: z.record(z.string(), z.unknown()).nullish(), action: z.string().nullish() })
  .strict();

const SPEC: SearchSpec<UserTask> = {
  defaultSort: 'userTaskKey',
  fields: {
    userTaskKey: { kind: 'key', get: (t) => t.key },
    state: { kind: 'enum', get: (t) => t.state },
    assignee: { kind: 'string', get: (t) => t.assignee },
    priority: { kind: 'integer', get: (t) => t.priority },
    elementId: { kind: 'string', get: (t) => t.elementId },
    name: { kind: 'string', get: (t) => t.name },
    candidateGroup: { kind: 'string', get: (t) => t.candidateGroups },
    candidateUser: { kind: 'string', get: (t) => t.candidateUsers },
    processDefinitionKey: { kind: 'key', get: (t) => t.processDefinitionKey },
    processDefinitionId: { kind: 'string', get: (t) => t.bpmnProcessId },
    processInstanceKey: { kind: 'key', get: (t) => t.processInstanceKey },
    elementInstanceKey: { kind: 'key', get: (t) => t.elementInstanceKey },
    tenantId: { kind: 'string', get: () => DEFAULT_TENANT },
    creationDate: { kind: 'date', get: (t) => new Date(t.createdAt).toISOString() },
    dueDate: { kind: 'date', get: (t) => t.dueDate },
    followUpDate: { kind: 'date', get: (t) => t.followUpDate },
  },
};

/** The SDK sends an update's changeset bare (to …/update); Camunda's API wraps it with an action. */
function changesetOf(body: unknown, bare: boolean): UserTaskChangeset {
  const c = bare ? Changeset.parse(body ?? {}) : (Update.parse(body ?? {}).changeset ?? {});
  const out: UserTaskChangeset = {};
  if (c.dueDate != null) out.dueDate = c.dueDate;
  if (c.followUpDate != null) out.followUpDate = c.followUpDate;
  if (c.candidateGroups != null) out.candidateGroups = c.candidateGroups;
  if (c.candidateUsers != null) out.candidateUsers = c.candidateUsers;
  if (c.priority != null) out.priority = c.priority;
  if (!Object.keys(out).length) throw badRequest('Expected at least one property of the changeset to be set');
  return out;
}

export function userTaskRoutes(ctx: RestContext): Route[] {
  const { engine } = ctx;
  const taskOf = (params: Record<string, string>): UserTask => {
    const key = parseKey(params.userTaskKey, 'userTaskKey');
    const task = engine.state.userTasks.get(key);
    if (!task) throw notFound(`User task with key '${key}' not found`);
    return task;
  };
  const update = (bare: boolean): Route['handle'] =>
    async function handle(req) {
      const key = parseKey(req.params.userTaskKey, 'userTaskKey');
      updateUserTask(engine, key, changesetOf(await req.json(), bare));
      return { status: 204 };
    };
  return [
    {
      method: 'POST',
      path: '/v2/user-tasks/search',
      async handle(req) {
        return { status: 200, body: search(SPEC, engine.state.userTasks.values(), await req.json(), userTaskView) };
      },
    },
    {
      method: 'GET',
      path: '/v2/user-tasks/{userTaskKey}',
      handle: (req) => ({ status: 200, body: userTaskView(taskOf(req.params)) }),
    },
    {
      method: 'GET',
      path: '/v2/user-tasks/{userTaskKey}/form',
      handle(req) {
        const task = taskOf(req.params);
        const form = task.formKey ? engine.state.forms.get(Number(task.formKey)) : undefined;
        if (!form) return { status: 204 };
        return {
          status: 200,
          body: {
            formKey: String(form.key),
            formId: form.formId,
            version: form.version,
            tenantId: DEFAULT_TENANT,
            schema: form.schema ?? '',
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/v2/user-tasks/{userTaskKey}/assignment',
      async handle(req) {
        const r = Assignment.parse((await req.json()) ?? {});
        assignUserTask(engine, parseKey(req.params.userTaskKey, 'userTaskKey'), {
          assignee: r.assignee,
          allowOverride: r.allowOverride ?? true,
        });
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      path: '/v2/user-tasks/{userTaskKey}/assignee',
      handle(req) {
        unassignUserTask(engine, parseKey(req.params.userTaskKey, 'userTaskKey'));
        return { status: 204 };
      },
    },
    { method: 'PATCH', path: '/v2/user-tasks/{userTaskKey}', handle: update(false) },
    { method: 'PATCH', path: '/v2/user-tasks/{userTaskKey}/update', handle: update(true) },
    {
      method: 'POST',
      path: '/v2/user-tasks/{userTaskKey}/completion',
      async handle(req) {
        const r = Completion.parse((await req.json()) ?? {});
        completeUserTask(engine, parseKey(req.params.userTaskKey, 'userTaskKey'), r.variables ?? {});
        return { status: 204 };
      },
    },
  ];
}
