// Embedded and event subprocesses: a scope of their own. An embedded one starts at its none
// start event; an event subprocess at its (only) start event, with the variables its event
// brought. Instance modification may activate one as an empty scope (no start event).
import type { ElementBehaviour } from '../element-behaviour.js';
import { openBoundaryTriggers } from '../event-triggers.js';
import { openEventSubprocessTriggers } from '../event-subprocess.js';

export const subProcess: ElementBehaviour = {
  activate(flow, el, node) {
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
    openBoundaryTriggers(flow, el, node);
    openEventSubprocessTriggers(flow, el);
    const model = flow.processOf(el).model;
    const starts = model.startEvents.get(node.id) ?? [];
    const start = node.triggeredByEvent
      ? starts[0]
      : starts.find((id) => model.elements.get(id)?.event.kind === 'none');
    const arrived = flow.takeEventVariables(el.key);
    if (flow.scopeOnly.delete(el.key)) return;
    if (start) flow.beginActivation(model, start, el.key, node.triggeredByEvent ? arrived : undefined);
  },
};
