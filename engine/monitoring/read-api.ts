// JSON views of engine state for operators and the ProcOS operator's backlog scaler.
import type { Engine } from '../processor/engine.js';
import type { ElementInstance } from '../state/engine-state.js';

const k = (n: number | undefined): string | undefined => (n === undefined ? undefined : String(n));

export function readInstances(engine: Engine): unknown[] {
  // One pass over all element instances and incidents, not one per process instance.
  const elements = new Map<number, ElementInstance[]>();
  for (const e of engine.state.elements.values()) {
    const list = elements.get(e.processInstanceKey);
    if (list) list.push(e);
    else elements.set(e.processInstanceKey, [e]);
  }
  const incidents = new Map<string | undefined, unknown[]>();
  for (const i of readIncidents(engine))
    incidents.set(i.processInstanceKey, [...(incidents.get(i.processInstanceKey) ?? []), i]);
  return [...engine.state.elements.values()]
    .filter((e) => e.kind === 'process')
    .map((root) => view(engine, root, elements.get(root.key) ?? [], incidents.get(k(root.key)) ?? []));
}

export function readInstance(engine: Engine, key: number): Record<string, unknown> | undefined {
  const root = engine.state.elements.get(key);
  if (root?.kind !== 'process') return undefined;
  const elements = [...engine.state.elements.values()].filter((e) => e.processInstanceKey === key);
  return view(
    engine,
    root,
    elements,
    readIncidents(engine).filter((i) => i.processInstanceKey === k(key)),
  );
}

function view(
  engine: Engine,
  root: ElementInstance,
  elements: ElementInstance[],
  incidents: unknown[],
): Record<string, unknown> {
  const process = engine.state.processes.get(root.processDefinitionKey);
  return {
    processInstanceKey: k(root.key),
    bpmnProcessId: process?.bpmnProcessId,
    version: process?.version,
    processDefinitionKey: k(root.processDefinitionKey),
    state: root.state,
    variables: Object.fromEntries(engine.state.variables.get(root.key) ?? []),
    elements: elements
      .filter((e) => e.key !== root.key)
      .map((e) => ({
        key: k(e.key),
        elementId: e.elementId,
        kind: e.kind,
        state: e.state,
        flowScopeKey: k(e.flowScopeKey),
        variables: Object.fromEntries(engine.state.variables.get(e.key) ?? []),
      })),
    incidents,
  };
}

export function readIncidents(engine: Engine): { processInstanceKey?: string; [key: string]: unknown }[] {
  return [...engine.state.incidents.values()].map((i) => ({
    key: k(i.key),
    errorType: i.errorType,
    errorMessage: i.errorMessage,
    elementId: i.elementId,
    elementInstanceKey: k(i.elementInstanceKey),
    processInstanceKey: k(i.processInstanceKey),
    jobKey: k(i.jobKey),
  }));
}

/** Per job type: activatable jobs and the age of the oldest, the scaler's input. */
export function readJobBacklog(
  engine: Engine,
): Record<string, { activatable: number; activated: number; oldestAgeMs: number }> {
  const now = engine.clock();
  const out: Record<string, { activatable: number; activated: number; oldestAgeMs: number }> = {};
  for (const job of engine.state.jobs.values()) {
    const entry = (out[job.type] ??= { activatable: 0, activated: 0, oldestAgeMs: 0 });
    if (job.state === 'ACTIVATED') entry.activated++;
    if (job.state !== 'ACTIVATABLE') continue;
    entry.activatable++;
    entry.oldestAgeMs = Math.max(entry.oldestAgeMs, now - job.createdAt);
  }
  return out;
}
