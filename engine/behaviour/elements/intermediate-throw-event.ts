// Intermediate throw events: none (passes on), signal (broadcast, then pass on), link (continue
// at the link catch event of the same name), escalation (thrown to its catcher, then pass on
// unless an interrupting catch ended it), compensation (pass on once the handlers it started
// completed) and message (a job, as in Zeebe).
import { evaluateExpression } from '../../../lib/feel/index.js';
import type { FlowNode } from '../../../lib/bpmn/index.js';
import type { ElementInstance } from '../../state/engine-state.js';
import type { ElementBehaviour } from '../element-behaviour.js';
import { throwCompensation } from '../compensation.js';
import { throwEscalation } from '../escalations.js';
import type { Flow } from '../flow.js';
import { broadcastSignal } from '../signals.js';
import { visibleVariables } from '../variables.js';
import { serviceTask } from './service-task.js';

/** The signal a throw event broadcasts, or undefined once an incident is raised. */
export function signalNameOf(flow: Flow, el: ElementInstance, node: FlowNode): string | undefined {
  if (node.event.kind !== 'signal') return undefined;
  const r = evaluateExpression(node.event.signalName, visibleVariables(flow.tx, el.key));
  if (r.ok && typeof r.value === 'string' && r.value !== '') return r.value;
  const why = r.ok ? `expected the signal name to be a non-empty string, but was ${JSON.stringify(r.value)}` : r.error;
  flow.incident(el, 'EXTRACT_VALUE_ERROR', `signal of '${node.id}': ${why}`);
  return undefined;
}

/**
 * What throw events (intermediate and end) share: signals, escalations and message jobs.
 * Returns whether the element goes on to complete now.
 */
export function throwEvent(flow: Flow, el: ElementInstance, node: FlowNode): boolean {
  const event = node.event;
  if (event.kind === 'message') {
    serviceTask.activate(flow, el, node); // completes when its job does
    return false;
  }
  if (event.kind === 'signal') {
    const name = signalNameOf(flow, el, node);
    if (name === undefined) return false;
    flow.defer(() => broadcastSignal(flow, name, {}));
  }
  flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
  if (event.kind === 'compensation') {
    flow.defer(() => {
      // Without handlers to wait for, the throw event goes on at once.
      if (!throwCompensation(flow, el, node) && flow.state.elements.get(el.key)?.state === 'ACTIVATED')
        flow.completeElement(el.key);
    });
    return false;
  }
  if (event.kind === 'escalation') {
    flow.defer(() => {
      throwEscalation(flow, el, event.escalationCode ?? '');
      // An interrupting catch has terminated the thrower with its scope.
      if (flow.state.elements.get(el.key)?.state === 'ACTIVATED') flow.completeElement(el.key);
    });
    return false;
  }
  return true;
}

export const intermediateThrowEvent: ElementBehaviour = {
  activate(flow, el, node) {
    if (throwEvent(flow, el, node)) flow.completeElement(el.key, flow.takeEventVariables(el.key));
  },
  afterLeave(flow, el, node) {
    if (node.linkTarget) flow.beginActivation(flow.processOf(el).model, node.linkTarget, el.flowScopeKey);
    else flow.checkScopeCompletion(el.flowScopeKey);
  },
};
