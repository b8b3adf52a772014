// Multi-instance activities: a body element instance runs one inner instance per item of the
// input collection, in parallel or one after another, and gathers an output collection.
import { evaluateExpression, evaluateFeel } from '../../lib/feel/index.js';
import type { FlowNode, MultiInstance } from '../../lib/bpmn/index.js';
import type { ElementInstance } from '../state/engine-state.js';
import type { Flow } from './flow.js';
import { openBoundaryTriggers } from './event-triggers.js';
import { setLocal, visibleVariables } from './variables.js';

function loopOf(node: FlowNode): MultiInstance {
  if (!node.multiInstance) throw new Error(`${node.id} is not multi-instance`);
  return node.multiInstance;
}

export function activateBody(flow: Flow, body: ElementInstance, node: FlowNode): void {
  const loop = loopOf(node);
  const r = evaluateExpression(loop.inputCollection, visibleVariables(flow.tx, body.flowScopeKey));
  if (!r.ok) return flow.incident(body, 'EXTRACT_VALUE_ERROR', r.error);
  if (!Array.isArray(r.value)) {
    return flow.incident(
      body,
      'EXTRACT_VALUE_ERROR',
      `Expected result of the expression '${loop.inputCollection.kind === 'feel' ? loop.inputCollection.source : ''}' to be 'ARRAY', but was ${JSON.stringify(r.value)}`,
    );
  }
  const items = r.value as unknown[];
  flow.tx.emit({ type: 'MULTI_INSTANCE_STARTED', key: body.key, items });
  flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: body.key });
  openBoundaryTriggers(flow, body, node);
  if (loop.outputCollection)
    setLocal(
      flow.tx,
      body.key,
      loop.outputCollection,
      items.map(() => null),
    );
  if (items.length === 0) return flow.checkScopeCompletion(body.key);
  const count = loop.sequential ? 1 : items.length;
  for (let i = 0; i < count; i++) startInner(flow, body, node, i);
}

function startInner(flow: Flow, body: ElementInstance, node: FlowNode, index: number): void {
  const loop = loopOf(node);
  const locals: Record<string, unknown> = { loopCounter: index + 1 };
  if (loop.inputElement) locals[loop.inputElement] = body.loopItems?.[index] ?? null;
  flow.beginActivation(flow.processOf(body).model, node.id, body.key, undefined, locals);
}

/**
 * After an inner instance's own output mappings: record its output element, then start the
 * next item, end early on the completion condition, or let the body complete.
 * Returns false when an incident stopped it.
 */
export function collectInnerResult(flow: Flow, inner: ElementInstance, node: FlowNode): boolean {
  const loop = loopOf(node);
  const body = flow.tx.state.elements.get(inner.flowScopeKey);
  if (!body) return true;
  const vars = visibleVariables(flow.tx, inner.key);
  const counter = Number(vars.loopCounter);
  if (loop.outputCollection && loop.outputElement) {
    const r = evaluateExpression(loop.outputElement, vars);
    if (!r.ok) {
      flow.incident(inner, 'EXTRACT_VALUE_ERROR', r.error);
      return false;
    }
    const current = flow.tx.state.variables.get(body.key)?.get(loop.outputCollection);
    const collection = Array.isArray(current) ? [...(current as unknown[])] : [];
    collection[counter - 1] = r.value;
    setLocal(flow.tx, body.key, loop.outputCollection, collection);
  }
  return true;
}

export function continueAfterInner(flow: Flow, bodyKey: number, innerVars: Record<string, unknown>): void {
  const body = flow.tx.state.elements.get(bodyKey);
  if (!body) return;
  const node = flow.nodeOf(body);
  const loop = loopOf(node);
  if (loop.completionCondition) {
    const r = evaluateFeel(loop.completionCondition, innerVars);
    if (!r.ok) return flow.incident(body, 'CONDITION_ERROR', r.error);
    if (r.value === true) {
      for (const child of [...body.activeChildren]) flow.terminate(child);
      return flow.checkScopeCompletion(bodyKey);
    }
  }
  const next = Number(innerVars.loopCounter);
  if (loop.sequential && next < (body.loopItems?.length ?? 0)) return startInner(flow, body, node, next);
  flow.checkScopeCompletion(bodyKey);
}

/** The body passes its output collection on to its flow scope. */
export function bodyResult(flow: Flow, body: ElementInstance, node: FlowNode): Record<string, unknown> {
  const name = loopOf(node).outputCollection;
  return name ? { [name]: flow.tx.state.variables.get(body.key)?.get(name) ?? [] } : {};
}
