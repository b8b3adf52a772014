// Event-based gateway: it owns the triggers of every catch event it leads to; the first event
// to happen wins (catch-events.ts moves the token on to that event).
import type { ElementBehaviour } from '../element-behaviour.js';
import { openGatewayTriggers } from '../event-triggers.js';

export const eventBasedGateway: ElementBehaviour = {
  activate(flow, el, node) {
    if (!openGatewayTriggers(flow, el, node)) return;
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
  },
};
