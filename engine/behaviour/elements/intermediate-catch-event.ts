// Intermediate catch events (message, timer, signal): wait for their trigger; reached through an
// event-based gateway, the event has already happened and the element completes at once. A link
// catch event is where its link throw events continue: it completes at once.
import type { ElementBehaviour } from '../element-behaviour.js';
import { openCatchTrigger } from '../event-triggers.js';

export const intermediateCatchEvent: ElementBehaviour = {
  activate(flow, el, node) {
    const arrived = flow.takeEventVariables(el.key);
    if (arrived || node.event.kind === 'link') {
      flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
      return flow.completeElement(el.key, arrived ?? {});
    }
    if (!openCatchTrigger(flow, el, node)) return;
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
  },
};
