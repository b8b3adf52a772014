// Incidents over REST: search, get, resolve. Engine state holds the open incidents (state
// ACTIVE); a resolved one is gone from it.
import { resolveIncident } from '../commands/resolve-incident.js';
import type { Incident } from '../state/engine-state.js';
import { notFound } from './problems.js';
import { DEFAULT_TENANT, k, parseKey, type RestContext, type Route } from './route.js';
import { search, type SearchSpec } from './search.js';

export function incidentRoutes(ctx: RestContext): Route[] {
  const state = ctx.engine.state;
  const definitionKey = (i: Incident): number | undefined =>
    state.elements.get(i.processInstanceKey)?.processDefinitionKey;
  const definitionId = (i: Incident): string | undefined => {
    const key = definitionKey(i);
    return key === undefined ? undefined : state.processes.get(key)?.bpmnProcessId;
  };
  const spec: SearchSpec<Incident> = {
    defaultSort: 'incidentKey',
    fields: {
      incidentKey: { kind: 'key', get: (i) => i.key },
      processDefinitionKey: { kind: 'key', get: definitionKey },
      processDefinitionId: { kind: 'string', get: definitionId },
      processInstanceKey: { kind: 'key', get: (i) => i.processInstanceKey },
      errorType: { kind: 'enum', get: (i) => i.errorType },
      errorMessage: { kind: 'string', get: (i) => i.errorMessage },
      elementId: { kind: 'string', get: (i) => i.elementId },
      elementInstanceKey: { kind: 'key', get: (i) => i.elementInstanceKey },
      state: { kind: 'enum', get: () => 'ACTIVE' },
      jobKey: { kind: 'key', get: (i) => i.jobKey },
      tenantId: { kind: 'string', get: () => DEFAULT_TENANT },
    },
  };
  const view = (i: Incident): Record<string, unknown> => ({
    processDefinitionId: definitionId(i),
    errorType: i.errorType,
    errorMessage: i.errorMessage,
    elementId: i.elementId,
    state: 'ACTIVE',
    tenantId: DEFAULT_TENANT,
    incidentKey: String(i.key),
    processDefinitionKey: k(definitionKey(i)),
    processInstanceKey: String(i.processInstanceKey),
    elementInstanceKey: String(i.elementInstanceKey),
    ...(i.jobKey !== undefined ? { jobKey: String(i.jobKey) } : {}),
  });
  return [
    {
      method: 'POST',
      path: '/v2/incidents/search',
      async handle(req) {
        return { status: 200, body: search(spec, state.incidents.values(), await req.json(), view) };
      },
    },
    {
      method: 'GET',
      path: '/v2/incidents/{incidentKey}',
      handle(req) {
        const key = parseKey(req.params.incidentKey, 'incidentKey');
        const incident = state.incidents.get(key);
        if (!incident) throw notFound(`Incident with key '${key}' not found`);
        return { status: 200, body: view(incident) };
      },
    },
    {
      method: 'POST',
      path: '/v2/incidents/{incidentKey}/resolution',
      handle(req) {
        resolveIncident(ctx.engine, parseKey(req.params.incidentKey, 'incidentKey'));
        return { status: 204 };
      },
    },
  ];
}
