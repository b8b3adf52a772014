// Intermediate throw events: none (passes on) and signal (broadcast, then pass on).
import { evaluateExpression } from '../../../lib/feel/index.js';
import type { FlowNode } from '../../../lib/bpmn/index.js';
import type { ElementInstance } from '../../state/engine-state.js';
import type { ElementBehaviour } from '../element-behaviour.js';
import type { Flow } from '../flow.js';
import { broadcastSignal } from '../signals.js';
import { visibleVariables } from '../variables.js';

/** The signal a throw event broadcasts, or undefined once an incident is raised. */
export function signalNameOf(flow: Flow, el: ElementInstance, node: FlowNode): string | undefined {
  if (node.event.kind !== 'signal') return undefined;
  const r = evaluateExpression(node.event.signalName, visibleVariables(flow.tx, el.key));
  if (r.ok && typeof r.value === 'string' && r.value !== '') return r.value;
  const why = r.ok ? `expected the signal name to be a non-empty string, but was ${JSON.stringify(r.value)}` : r.error;
  flow.incident(el, 'EXTRACT_VALUE_ERROR', `signal of '${node.id}': ${why}`);
  return undefined;
}

export const intermediateThrowEvent: ElementBehaviour = {
  activate(flow, el, node) {
    if (node.event.kind === 'signal') {
      const name = signalNameOf(flow, el, node);
      if (name === undefined) return;
      flow.defer(() => broadcastSignal(flow, name, {}));
    }
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
    flow.completeElement(el.key, flow.takeEventVariables(el.key));
  },
};
