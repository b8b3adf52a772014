// Elements that do nothing but pass their token on: none start events, boundary events (their
// trigger already happened), bpmn:Task and bpmn:ManualTask. Variables an event brought along
// (message, signal, error) are merged as the element completes.
import type { ElementBehaviour } from '../element-behaviour.js';

export const completeAtOnce: ElementBehaviour = {
  activate(flow, el) {
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
    flow.completeElement(el.key, flow.takeEventVariables(el.key));
  },
};
