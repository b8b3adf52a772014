// Execution listeners (Camunda 8.6+): jobs that must complete before an element goes on. Start
// listeners run in model order after the input mappings, before the element's behaviour; end
// listeners after the output mappings, before the element leaves. A start listener's variables
// become locals of the element, an end listener's go to its flow scope like output mappings.
import type { ExecutionListener } from '../../lib/bpmn/index.js';
import type { ElementInstance } from '../state/engine-state.js';
import type { Flow } from './flow.js';
import { createListenerJob } from './jobs.js';

export function listenersOf(flow: Flow, el: ElementInstance, eventType: 'start' | 'end'): ExecutionListener[] {
  if (el.kind === 'multiInstanceBody') return []; // they run on each inner instance
  const model = flow.processOf(el).model;
  const all =
    el.kind === 'process' ? model.executionListeners : (model.elements.get(el.elementId)?.executionListeners ?? []);
  return all.filter((l) => l.eventType === eventType);
}

/**
 * Whether the element still waits for a listener of this phase: creates the job of the next
 * one (or raises an incident when its expressions fail) and returns true; false once all ran.
 */
export function awaitingListener(flow: Flow, el: ElementInstance, eventType: 'start' | 'end'): boolean {
  // Most elements have none: answer without allocating (this runs twice per element instance).
  if (el.kind === 'multiInstanceBody') return false;
  const model = flow.processOf(el).model;
  const all = el.kind === 'process' ? model.executionListeners : model.elements.get(el.elementId)?.executionListeners;
  if (!all?.length) return false;
  const listeners = listenersOf(flow, el, eventType);
  const next = listeners[el.listenersDone ?? 0];
  if (!next) return false;
  const headers =
    el.kind === 'process' ? {} : (flow.processOf(el).model.elements.get(el.elementId)?.job?.headers ?? {});
  createListenerJob(flow, el, next, headers);
  return true;
}

/** A resolved incident retries its phase from the first listener, as Zeebe does. */
export function restartListeners(flow: Flow, el: ElementInstance): void {
  if (el.listenersDone) flow.tx.emit({ type: 'EXECUTION_LISTENERS_RESET', key: el.key });
}
