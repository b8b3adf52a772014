// Compensation (Camunda 8.5+). An activity with a compensation boundary event records a
// subscription when it completes, and so does a subprocess (or multi-instance body) that holds
// some. A compensation throw event compensates the completed activities of its scope (or only its
// activityRef), and those inside completed subprocesses of it: each one's handler runs in the
// throw event's scope, once per completion, and the throw event waits until all handlers
// completed. Compensation does not reach into called processes.
import type { FlowNode, ProcessModel } from '../../lib/bpmn/index.js';
import type { Compensation, ElementInstance } from '../state/engine-state.js';
import type { Flow } from './flow.js';

function compensationBoundary(model: ProcessModel, activityId: string): FlowNode | undefined {
  return (model.boundaryEvents.get(activityId) ?? [])
    .map((id) => model.elements.get(id))
    .find((b) => b?.event.kind === 'compensation');
}

/** Subscriptions not yet triggered that were recorded in the scope `scopeKey`. */
function openIn(flow: Flow, processInstanceKey: number, scopeKey: number): Compensation[] {
  const { compensations, compensationsByInstance } = flow.tx.state;
  return [...(compensationsByInstance.get(processInstanceKey) ?? [])]
    .map((k) => compensations.get(k))
    .filter((c): c is Compensation => c?.scopeKey === scopeKey && c.throwInstanceKey === undefined);
}

/** An activity completes: record it if it can be compensated, or holds what can. */
export function recordCompletion(flow: Flow, el: ElementInstance, node: FlowNode): void {
  const model = flow.processOf(el).model;
  if (!model.hasCompensation || el.kind === 'process') return;
  // A multi-instance activity is compensated once, through its body.
  const handlerId = flow.isInnerInstance(el) ? undefined : compensationBoundary(model, node.id)?.compensationHandler;
  const isScope = el.kind === 'subProcess' || el.kind === 'multiInstanceBody';
  if (!handlerId && !(isScope && openIn(flow, el.processInstanceKey, el.key).length)) return;
  flow.tx.emit({
    type: 'COMPENSATION_SUBSCRIBED',
    key: flow.tx.nextKey(),
    processInstanceKey: el.processInstanceKey,
    activityId: el.elementId,
    activityInstanceKey: el.key,
    scopeKey: el.flowScopeKey,
    ...(handlerId ? { handlerId } : {}),
  });
}

/** Compensates from a throw event; returns whether handlers run (the throw event waits for them). */
export function throwCompensation(flow: Flow, thrower: ElementInstance, node: FlowNode): boolean {
  const { elements } = flow.tx.state;
  let scope = elements.get(thrower.flowScopeKey);
  // From an event subprocess, compensation reaches the scope the event subprocess belongs to.
  if (scope && scope.kind === 'subProcess' && flow.nodeOf(scope).triggeredByEvent)
    scope = elements.get(scope.flowScopeKey);
  if (!scope) return false;
  const ref = node.event.kind === 'compensation' ? node.event.activityRef : undefined;
  let running = false;
  for (const sub of openIn(flow, thrower.processInstanceKey, scope.key)) {
    if (ref && sub.activityId !== ref) continue;
    running = trigger(flow, thrower, scope, sub) || running;
  }
  return running;
}

function trigger(flow: Flow, thrower: ElementInstance, scope: ElementInstance, sub: Compensation): boolean {
  const model = flow.processOf(thrower).model;
  let handlerInstanceKey: number | undefined;
  if (sub.handlerId) {
    const boundary = compensationBoundary(model, sub.activityId);
    if (boundary) passBoundaryEvent(flow, scope, boundary);
    handlerInstanceKey = flow.beginActivation(model, sub.handlerId, scope.key);
  }
  flow.tx.emit({
    type: 'COMPENSATION_TRIGGERED',
    key: sub.key,
    throwInstanceKey: thrower.key,
    ...(handlerInstanceKey !== undefined ? { handlerInstanceKey } : {}),
  });
  let running = handlerInstanceKey !== undefined;
  for (const inner of openIn(flow, thrower.processInstanceKey, sub.activityInstanceKey))
    running = trigger(flow, thrower, scope, inner) || running;
  // A scope's subscription is done once what it holds is triggered.
  if (handlerInstanceKey === undefined) flow.tx.emit({ type: 'COMPENSATION_DONE', key: sub.key });
  return running;
}

/** The compensation boundary event occurs on the way to its handler, as in Zeebe's records. */
function passBoundaryEvent(flow: Flow, scope: ElementInstance, boundary: FlowNode): void {
  const key = flow.tx.nextKey();
  flow.tx.emit({
    type: 'ELEMENT_ACTIVATING',
    key,
    elementId: boundary.id,
    kind: 'boundaryEvent',
    flowScopeKey: scope.key,
    processInstanceKey: scope.processInstanceKey,
    processDefinitionKey: scope.processDefinitionKey,
  });
  flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key });
  flow.tx.emit({ type: 'ELEMENT_COMPLETING', key });
  flow.tx.emit({ type: 'ELEMENT_COMPLETED', key });
}

/** A compensation handler completed; the throw event goes on once its last handler did. */
export function handlerCompleted(flow: Flow, handlerInstanceKey: number): void {
  const { compensations, compensationHandlers, compensationsByInstance, elements } = flow.tx.state;
  const subKey = compensationHandlers.get(handlerInstanceKey);
  const sub = subKey === undefined ? undefined : compensations.get(subKey);
  if (!sub || subKey === undefined) return;
  flow.tx.emit({ type: 'COMPENSATION_DONE', key: subKey });
  const pending = [...(compensationsByInstance.get(sub.processInstanceKey) ?? [])].some(
    (k) => compensations.get(k)?.throwInstanceKey === sub.throwInstanceKey,
  );
  const thrower = sub.throwInstanceKey === undefined ? undefined : elements.get(sub.throwInstanceKey);
  if (!pending && thrower?.state === 'ACTIVATED') flow.completeElement(thrower.key);
}
