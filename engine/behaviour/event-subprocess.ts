// Event subprocesses: while their scope (process or subprocess) is active, the start event of
// each one waits for its message, timer or signal; errors reach them as the scope's handler.
import type { FlowNode } from '../../lib/bpmn/index.js';
import type { ElementInstance } from '../state/engine-state.js';
import type { Flow } from './flow.js';
import { closeEventTriggers, openEventTrigger } from './event-triggers.js';

function scopeId(flow: Flow, scope: ElementInstance): string {
  return scope.kind === 'process' ? flow.processOf(scope).model.id : scope.elementId;
}

function startOf(flow: Flow, scope: ElementInstance, espId: string): FlowNode | undefined {
  const model = flow.processOf(scope).model;
  return model.elements.get(model.startEvents.get(espId)?.[0] ?? '');
}

/** Opens the triggers of every event subprocess in the scope. */
export function openEventSubprocessTriggers(flow: Flow, scope: ElementInstance): void {
  for (const espId of flow.processOf(scope).model.eventSubprocesses.get(scopeId(flow, scope)) ?? []) {
    const start = startOf(flow, scope, espId);
    // Errors and escalations are thrown to their catchers; there is nothing to wait for.
    if (start && start.event.kind !== 'error' && start.event.kind !== 'escalation')
      openEventTrigger(flow, scope, start, start.interrupting !== false);
  }
}

/** If `catchElementId` starts an event subprocess of the owner scope, runs it and returns true. */
export function triggerEventSubprocess(
  flow: Flow,
  scope: ElementInstance,
  catchElementId: string,
  interrupting: boolean,
  variables: Record<string, unknown>,
): boolean {
  const model = flow.processOf(scope).model;
  const start = model.elements.get(catchElementId);
  const esp = start?.kind === 'startEvent' ? model.elements.get(start.scopeId) : undefined;
  if (!esp?.triggeredByEvent) return false;
  startEventSubprocess(flow, scope, esp, interrupting, variables);
  return true;
}

/** Starts the event subprocess in its scope; an interrupting one first ends everything else there. */
export function startEventSubprocess(
  flow: Flow,
  scope: ElementInstance,
  esp: FlowNode,
  interrupting: boolean,
  variables: Record<string, unknown>,
): void {
  if (interrupting) {
    closeEventTriggers(flow, scope.key);
    flow.terminateScopeChildren(scope.key, false);
  }
  flow.beginActivation(flow.processOf(scope).model, esp.id, scope.key, variables);
  flow.run();
}

/** An error reaching a scope: its error event subprocess (specific code first) handles it. */
export function catchByErrorEventSubprocess(
  flow: Flow,
  scope: ElementInstance,
  errorCode: string,
  variables: Record<string, unknown>,
): boolean {
  const candidates = (flow.processOf(scope).model.eventSubprocesses.get(scopeId(flow, scope)) ?? [])
    .map((id) => flow.processOf(scope).model.elements.get(id))
    .filter((esp): esp is FlowNode => {
      const start = esp ? startOf(flow, scope, esp.id) : undefined;
      return start?.event.kind === 'error';
    });
  const codeOf = (esp: FlowNode): string | undefined => {
    const e = startOf(flow, scope, esp.id)?.event;
    return e?.kind === 'error' ? e.errorCode : undefined;
  };
  const esp = candidates.find((c) => codeOf(c) === errorCode) ?? candidates.find((c) => !codeOf(c));
  if (!esp) return false;
  startEventSubprocess(flow, scope, esp, true, variables);
  return true;
}
