// Process instances over REST: create (with awaitCompletion), search, get, cancel. Running
// instances come from engine state; finished ones from the instance history (the last 1000
// since the engine started), which also knows start and end times.
import { z } from 'zod';
import { createProcessInstance, type CreateInstanceResult } from '../commands/create-instance.js';
import { createAndAwaitResult, fetchedVariables, InstanceResultError } from '../commands/await-instance-result.js';
import { cancelProcessInstance } from '../commands/cancel-instance.js';
import { RestError, badRequest, notFound } from './problems.js';
import { DEFAULT_TENANT, checkTenant, k, parseKey, type RestContext, type Route } from './route.js';
import { fieldMatcher, search, type SearchSpec } from './search.js';

/** Camunda's default when awaitCompletion gives no requestTimeout (the gRPC default, C12). */
const DEFAULT_AWAIT_MS = 15_000;

const KeyText = z.union([z.string(), z.number()]).transform(String);

const CreateInstance = z
  .object({
    processDefinitionId: z.string().min(1).optional(),
    processDefinitionVersion: z.number().int().optional(),
    processDefinitionKey: KeyText.optional(),
    variables: z.record(z.string(), z.unknown()).nullish(),
    tenantId: z.string().optional(),
    operationReference: z.number().int().optional(),
    startInstructions: z.array(z.object({ elementId: z.string().min(1) }).strict()).optional(),
    runtimeInstructions: z
      .array(z.unknown())
      .max(0, 'runtime instructions are not supported by procos-engine')
      .optional(),
    awaitCompletion: z.boolean().optional(),
    fetchVariables: z.array(z.string()).optional(),
    requestTimeout: z.number().int().min(0).optional(),
    tags: z.array(z.string()).max(0, 'tags are not supported by procos-engine').optional(),
  })
  .strict()
  .refine((r) => (r.processDefinitionId === undefined) !== (r.processDefinitionKey === undefined), {
    message: 'Expected either a processDefinitionId or a processDefinitionKey, and not both',
  });

interface InstanceItem {
  processInstanceKey: number;
  processDefinitionKey: number;
  processDefinitionId: string;
  processDefinitionName: string;
  processDefinitionVersion: number;
  state: 'ACTIVE' | 'COMPLETED' | 'TERMINATED';
  startDate: string;
  endDate?: string;
  hasIncident: boolean;
  parentProcessInstanceKey?: number;
  parentElementInstanceKey?: number;
}

const SPEC: SearchSpec<InstanceItem> = {
  defaultSort: 'processInstanceKey',
  fields: {
    processInstanceKey: { kind: 'key', get: (i) => i.processInstanceKey },
    processDefinitionKey: { kind: 'key', get: (i) => i.processDefinitionKey },
    processDefinitionId: { kind: 'string', get: (i) => i.processDefinitionId },
    processDefinitionName: { kind: 'string', get: (i) => i.processDefinitionName },
    processDefinitionVersion: { kind: 'integer', get: (i) => i.processDefinitionVersion },
    state: { kind: 'enum', get: (i) => i.state },
    startDate: { kind: 'date', get: (i) => i.startDate },
    endDate: { kind: 'date', get: (i) => i.endDate },
    hasIncident: { kind: 'boolean', get: (i) => i.hasIncident },
    parentProcessInstanceKey: { kind: 'key', get: (i) => i.parentProcessInstanceKey },
    parentElementInstanceKey: { kind: 'key', get: (i) => i.parentElementInstanceKey },
    tenantId: { kind: 'string', get: () => DEFAULT_TENANT },
  },
};

function view(i: InstanceItem): Record<string, unknown> {
  return {
    processDefinitionId: i.processDefinitionId,
    processDefinitionName: i.processDefinitionName,
    processDefinitionVersion: i.processDefinitionVersion,
    startDate: i.startDate,
    ...(i.endDate ? { endDate: i.endDate } : {}),
    state: i.state,
    hasIncident: i.hasIncident,
    tenantId: DEFAULT_TENANT,
    processInstanceKey: String(i.processInstanceKey),
    processDefinitionKey: String(i.processDefinitionKey),
    ...(i.parentProcessInstanceKey !== undefined ? { parentProcessInstanceKey: k(i.parentProcessInstanceKey) } : {}),
    ...(i.parentElementInstanceKey !== undefined ? { parentElementInstanceKey: k(i.parentElementInstanceKey) } : {}),
  };
}

/** Every instance the engine knows of, running or recently finished, by key. */
function instances(ctx: RestContext): Map<number, InstanceItem> {
  const { engine, history } = ctx;
  const state = engine.state;
  const withIncident = new Set([...state.incidents.values()].map((i) => i.processInstanceKey));
  const name = (definitionKey: number, fallback: string): string =>
    state.processes.get(definitionKey)?.model.name ?? fallback;
  const out = new Map<number, InstanceItem>();
  for (const r of history.list({ limit: Number.MAX_SAFE_INTEGER })) {
    const key = Number(r.processInstanceKey);
    out.set(key, {
      processInstanceKey: key,
      processDefinitionKey: Number(r.processDefinitionKey),
      processDefinitionId: r.bpmnProcessId,
      processDefinitionName: name(Number(r.processDefinitionKey), r.bpmnProcessId),
      processDefinitionVersion: r.version,
      state: r.state === 'active' ? 'ACTIVE' : r.state === 'completed' ? 'COMPLETED' : 'TERMINATED',
      startDate: r.startedAt,
      endDate: r.endedAt,
      hasIncident: withIncident.has(key),
      parentProcessInstanceKey:
        r.parentProcessInstanceKey === undefined ? undefined : Number(r.parentProcessInstanceKey),
      parentElementInstanceKey:
        r.parentElementInstanceKey === undefined ? undefined : Number(r.parentElementInstanceKey),
    });
  }
  // Running instances recovered from before this engine started are not in the history.
  for (const e of state.elements.values()) {
    if (e.kind !== 'process' || out.has(e.key)) continue;
    const process = state.processes.get(e.processDefinitionKey);
    const parent =
      e.parentElementInstanceKey === undefined ? undefined : state.elements.get(e.parentElementInstanceKey);
    out.set(e.key, {
      processInstanceKey: e.key,
      processDefinitionKey: e.processDefinitionKey,
      processDefinitionId: process?.bpmnProcessId ?? e.elementId,
      processDefinitionName: name(e.processDefinitionKey, e.elementId),
      processDefinitionVersion: process?.version ?? 0,
      state: 'ACTIVE',
      startDate: new Date(ctx.startedAt).toISOString(),
      hasIncident: withIncident.has(e.key),
      parentProcessInstanceKey: parent?.processInstanceKey,
      parentElementInstanceKey: e.parentElementInstanceKey,
    });
  }
  return out;
}

/** Camunda's variables filter: [{ name, value }], the value matched against the JSON text. */
function variablesFilter(ctx: RestContext, property: unknown): (i: InstanceItem) => boolean {
  const parsed = z.array(z.object({ name: z.string(), value: z.unknown() }).strict()).safeParse(property);
  if (!parsed.success) throw badRequest("Property 'filter.variables' is invalid: expected [{ name, value }]");
  const tests = parsed.data.map((v) => ({
    name: v.name,
    match: fieldMatcher(`variables.${v.name}`, 'string', v.value),
  }));
  return (i) => {
    const vars = ctx.engine.state.variables.get(i.processInstanceKey);
    return tests.every((t) => vars?.has(t.name) === true && t.match(JSON.stringify(vars.get(t.name))));
  };
}

export function processInstanceRoutes(ctx: RestContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2/process-instances',
      async handle(req) {
        const r = CreateInstance.parse((await req.json()) ?? {});
        checkTenant(r.tenantId);
        const request = {
          processDefinitionKey:
            r.processDefinitionKey === undefined ? 0 : parseKey(r.processDefinitionKey, 'processDefinitionKey'),
          bpmnProcessId: r.processDefinitionId ?? '',
          version: r.processDefinitionVersion ?? -1,
          variables: JSON.stringify(r.variables ?? {}),
          startElementIds: (r.startInstructions ?? []).map((s) => s.elementId),
        };
        const answer = (c: CreateInstanceResult, variables: Record<string, unknown>): Record<string, unknown> => ({
          processDefinitionId: c.bpmnProcessId,
          processDefinitionVersion: c.version,
          tenantId: DEFAULT_TENANT,
          variables,
          processDefinitionKey: String(c.processDefinitionKey),
          processInstanceKey: String(c.processInstanceKey),
        });
        if (!r.awaitCompletion) return { status: 200, body: answer(createProcessInstance(ctx.engine, request), {}) };
        const timeoutMs = r.requestTimeout || DEFAULT_AWAIT_MS;
        const { created, variables } = await createAndAwaitResult(ctx.engine, request, timeoutMs).catch(
          (err: unknown) => {
            throw resultProblem(err);
          },
        );
        return { status: 200, body: answer(created, fetchedVariables(variables, r.fetchVariables ?? [])) };
      },
    },
    {
      method: 'POST',
      path: '/v2/process-instances/search',
      async handle(req) {
        const all = instances(ctx).values();
        const extra = (name: string, p: unknown): ((i: InstanceItem) => boolean) | undefined =>
          name === 'variables' ? variablesFilter(ctx, p) : undefined;
        return { status: 200, body: search(SPEC, all, await req.json(), view, extra) };
      },
    },
    {
      method: 'GET',
      path: '/v2/process-instances/{processInstanceKey}',
      handle(req) {
        const key = parseKey(req.params.processInstanceKey, 'processInstanceKey');
        const item = instances(ctx).get(key);
        if (!item) throw notFound(`Process instance with key '${key}' not found`);
        return { status: 200, body: view(item) };
      },
    },
    {
      method: 'POST',
      path: '/v2/process-instances/{processInstanceKey}/cancellation',
      handle(req) {
        cancelProcessInstance(ctx.engine, parseKey(req.params.processInstanceKey, 'processInstanceKey'));
        return { status: 204 };
      },
    },
  ];
}

/** Why no result came, as Camunda's REST API says it. */
function resultProblem(err: unknown): unknown {
  if (!(err instanceof InstanceResultError)) return err;
  return err.reason === 'TERMINATED'
    ? new RestError(
        409,
        'INVALID_STATE',
        `Command 'CREATE_WITH_AWAITING_RESULT' rejected with code 'INVALID_STATE': ${err.message}`,
      )
    : new RestError(504, 'DEADLINE_EXCEEDED', err.message);
}
