// Variables over REST: search and get. The engine keeps variables per scope and name, without
// keys of their own: a variable's key is handed out here the first time a search shows it
// (numbers above the engine's key range) and stays the same while this engine runs. Values are
// JSON text, cut at Camunda's 8191 characters in search results (isTruncated), whole by key.
import { scopeChain } from '../behaviour/variables.js';
import { notFound } from './problems.js';
import { DEFAULT_TENANT, parseKey, type RestContext, type Route } from './route.js';
import { search, type SearchSpec } from './search.js';

const TRUNCATE_AT = 8191;
/** 2^52: engine keys start at 2^51 + 1 and would need 2^51 commands to get here. */
const FIRST_VARIABLE_KEY = 4_503_599_627_370_496;

interface VariableItem {
  variableKey: number;
  name: string;
  value: string;
  scopeKey: number;
  processInstanceKey: number;
}

const SPEC: SearchSpec<VariableItem> = {
  defaultSort: 'variableKey',
  fields: {
    variableKey: { kind: 'key', get: (v) => v.variableKey },
    name: { kind: 'string', get: (v) => v.name },
    value: { kind: 'string', get: (v) => v.value },
    scopeKey: { kind: 'key', get: (v) => v.scopeKey },
    processInstanceKey: { kind: 'key', get: (v) => v.processInstanceKey },
    tenantId: { kind: 'string', get: () => DEFAULT_TENANT },
    isTruncated: { kind: 'boolean', get: (v) => v.value.length > TRUNCATE_AT },
  },
};

function base(v: VariableItem): Record<string, unknown> {
  return {
    name: v.name,
    tenantId: DEFAULT_TENANT,
    variableKey: String(v.variableKey),
    scopeKey: String(v.scopeKey),
    processInstanceKey: String(v.processInstanceKey),
  };
}

export function variableRoutes(ctx: RestContext): Route[] {
  const keys = new Map<string, number>();
  const byKey = new Map<number, { scopeKey: number; name: string }>();
  let next = FIRST_VARIABLE_KEY;
  const keyOf = (scopeKey: number, name: string): number => {
    const id = `${scopeKey}\u0000${name}`;
    let key = keys.get(id);
    if (key === undefined) {
      key = next++;
      keys.set(id, key);
      byKey.set(key, { scopeKey, name });
    }
    return key;
  };
  const item = (scopeKey: number, name: string, value: unknown): VariableItem => ({
    variableKey: keyOf(scopeKey, name),
    name,
    value: JSON.stringify(value ?? null),
    scopeKey,
    processInstanceKey: ctx.engine.state.elements.get(scopeKey)?.processInstanceKey ?? scopeKey,
  });
  function* all(): Generator<VariableItem> {
    for (const [scopeKey, vars] of ctx.engine.state.variables)
      for (const [name, value] of vars) yield item(scopeKey, name, value);
  }
  return [
    {
      method: 'POST',
      path: '/v2/variables/search',
      async handle(req) {
        const whole = req.query.get('truncateValues') === 'false';
        const view = (v: VariableItem): Record<string, unknown> => {
          const truncated = !whole && v.value.length > TRUNCATE_AT;
          return { ...base(v), value: truncated ? v.value.slice(0, TRUNCATE_AT) : v.value, isTruncated: truncated };
        };
        return { status: 200, body: search(SPEC, all(), await req.json(), view) };
      },
    },
    {
      // What the task's element sees: its own variables and those of every enclosing scope.
      method: 'POST',
      path: '/v2/user-tasks/{userTaskKey}/variables/search',
      async handle(req) {
        const key = parseKey(req.params.userTaskKey, 'userTaskKey');
        const task = ctx.engine.state.userTasks.get(key);
        if (!task) throw notFound(`User task with key '${key}' not found`);
        const scopes = scopeChain(ctx.engine, task.elementInstanceKey);
        const visible = function* (): Generator<VariableItem> {
          for (const scopeKey of scopes)
            for (const [name, value] of ctx.engine.state.variables.get(scopeKey) ?? [])
              yield item(scopeKey, name, value);
        };
        const view = (v: VariableItem): Record<string, unknown> => {
          const truncated = v.value.length > TRUNCATE_AT;
          return { ...base(v), value: truncated ? v.value.slice(0, TRUNCATE_AT) : v.value, isTruncated: truncated };
        };
        const { userTaskKey: _key, ...query } = ((await req.json()) ?? {}) as Record<string, unknown>;
        return { status: 200, body: search(SPEC, visible(), query, view) };
      },
    },
    {
      method: 'GET',
      path: '/v2/variables/{variableKey}',
      handle(req) {
        const key = parseKey(req.params.variableKey, 'variableKey');
        const at = byKey.get(key);
        const vars = at && ctx.engine.state.variables.get(at.scopeKey);
        if (!at || !vars?.has(at.name)) throw notFound(`Variable with key '${key}' not found`);
        const v = item(at.scopeKey, at.name, vars.get(at.name));
        return { status: 200, body: { ...base(v), value: v.value } };
      },
    },
  ];
}
