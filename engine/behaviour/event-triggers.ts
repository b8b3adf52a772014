// What an element waits for besides jobs: timers and message subscriptions, for intermediate
// catch events and for the boundary events attached to an activity.
import { evaluateExpression, type Expression } from '../../lib/feel/index.js';
import { parseCycle, parseDate, parseDuration, type FlowNode, type TimerDefinition } from '../../lib/bpmn/index.js';
import type { ElementInstance } from '../state/engine-state.js';
import type { Flow } from './flow.js';
import { visibleVariables } from './variables.js';

export interface TimerSchedule {
  dueAt: number;
  repetitions: number;
  intervalMs: number;
}

/** Resolves a timer definition to its first due time; a string error when it cannot. */
export function scheduleTimer(
  timer: TimerDefinition,
  vars: Record<string, unknown>,
  now: number,
): TimerSchedule | string {
  const r = evaluateExpression(timer.expression, vars);
  if (!r.ok) return r.error;
  const text = typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
  if (timer.type === 'duration') {
    const ms = parseDuration(text);
    return ms === undefined
      ? `'${text}' is not a valid ISO 8601 duration`
      : { dueAt: now + Math.max(0, ms), repetitions: 0, intervalMs: 0 };
  }
  if (timer.type === 'date') {
    const at = parseDate(text);
    return at === undefined
      ? `'${text}' is not a valid ISO 8601 date-time`
      : { dueAt: at, repetitions: 0, intervalMs: 0 };
  }
  const cycle = parseCycle(text);
  if (!cycle) return `'${text}' is not a valid ISO 8601 cycle`;
  const first = cycle.startMs ?? now + cycle.intervalMs;
  return {
    dueAt: first,
    repetitions: cycle.repetitions === -1 ? -1 : cycle.repetitions - 1,
    intervalMs: cycle.intervalMs,
  };
}

function evaluateString(expr: Expression, vars: Record<string, unknown>, what: string): string | { error: string } {
  const r = evaluateExpression(expr, vars);
  if (!r.ok) return { error: r.error };
  if (typeof r.value === 'string') return r.value;
  if (typeof r.value === 'number') return String(r.value);
  return { error: `expected ${what} to be a string or number, but was ${JSON.stringify(r.value)}` };
}

/**
 * Opens the trigger of `node` (a catch or boundary event) for the element instance `owner`.
 * Returns false when an expression failed and an incident was raised on `incidentOn`.
 */
function openTrigger(
  flow: Flow,
  owner: ElementInstance,
  node: FlowNode,
  incidentOn: ElementInstance,
  interrupting: boolean,
): boolean {
  const tx = flow.tx;
  const vars = visibleVariables(tx, owner.key);
  const process = flow.processOf(owner);
  if (node.event.kind === 'timer') {
    const s = scheduleTimer(node.event.timer, vars, tx.now);
    if (typeof s === 'string') {
      flow.incident(incidentOn, 'EXTRACT_VALUE_ERROR', `timer of '${node.id}': ${s}`);
      return false;
    }
    tx.emit({
      type: 'TIMER_CREATED',
      key: tx.nextKey(),
      elementInstanceKey: owner.key,
      processInstanceKey: owner.processInstanceKey,
      processDefinitionKey: owner.processDefinitionKey,
      catchElementId: node.id,
      ...s,
      interrupting,
    });
    return true;
  }
  if (node.event.kind === 'signal') {
    const name = evaluateString(node.event.signalName, vars, 'signal name');
    if (typeof name !== 'string') {
      flow.incident(incidentOn, 'EXTRACT_VALUE_ERROR', `signal of '${node.id}': ${name.error}`);
      return false;
    }
    tx.emit({
      type: 'MESSAGE_SUBSCRIPTION_OPENED',
      key: tx.nextKey(),
      kind: 'signal',
      elementInstanceKey: owner.key,
      processInstanceKey: owner.processInstanceKey,
      bpmnProcessId: process.bpmnProcessId,
      catchElementId: node.id,
      messageName: name,
      correlationKey: '',
      interrupting,
    });
    return true;
  }
  if (node.event.kind === 'message') {
    const name = evaluateString(node.event.messageName, vars, 'message name');
    const key = node.event.correlationKey ? evaluateString(node.event.correlationKey, vars, 'correlation key') : '';
    for (const v of [name, key]) {
      if (typeof v !== 'string') {
        flow.incident(incidentOn, 'EXTRACT_VALUE_ERROR', `message of '${node.id}': ${v.error}`);
        return false;
      }
    }
    const subscriptionKey = tx.nextKey();
    tx.emit({
      type: 'MESSAGE_SUBSCRIPTION_OPENED',
      key: subscriptionKey,
      kind: 'message',
      elementInstanceKey: owner.key,
      processInstanceKey: owner.processInstanceKey,
      bpmnProcessId: process.bpmnProcessId,
      catchElementId: node.id,
      messageName: name as string,
      correlationKey: key as string,
      interrupting,
    });
    // Correlated once the element is active (a message may be waiting in the buffer).
    flow.defer(() => flow.correlateBufferedMessages(subscriptionKey));
  }
  return true;
}

export function openEventTrigger(flow: Flow, owner: ElementInstance, node: FlowNode, interrupting: boolean): boolean {
  return openTrigger(flow, owner, node, owner, interrupting);
}

export function openCatchTrigger(flow: Flow, el: ElementInstance, node: FlowNode): boolean {
  return openTrigger(flow, el, node, el, true);
}

/** Event-based gateway: the gateway owns the triggers of every catch event it leads to. */
export function openGatewayTriggers(flow: Flow, el: ElementInstance, node: FlowNode): boolean {
  const model = flow.processOf(el).model;
  for (const flowId of node.outgoing) {
    const target = model.elements.get(model.flows.get(flowId)?.target ?? '');
    if (target && !openTrigger(flow, el, target, el, true)) return false;
  }
  return true;
}

export function openBoundaryTriggers(flow: Flow, el: ElementInstance, node: FlowNode): void {
  if (flow.isInnerInstance(el)) return; // boundary events belong to the multi-instance body
  const model = flow.processOf(el).model;
  for (const id of model.boundaryEvents.get(node.id) ?? []) {
    const boundary = model.elements.get(id);
    // Errors, escalations and compensation are thrown to their catchers; there is nothing to wait for.
    const thrown = ['error', 'escalation', 'compensation'];
    if (!boundary || thrown.includes(boundary.event.kind)) continue;
    openTrigger(flow, el, boundary, el, boundary.cancelActivity !== false);
  }
}

/** Closes every timer and subscription owned by the element instance. */
export function closeEventTriggers(flow: Flow, elementInstanceKey: number): void {
  const { state } = flow.tx;
  for (const key of [...(state.triggersByElement.get(elementInstanceKey) ?? [])]) {
    flow.tx.emit(
      state.timers.has(key) ? { type: 'TIMER_CANCELED', key } : { type: 'MESSAGE_SUBSCRIPTION_CLOSED', key },
    );
  }
}
