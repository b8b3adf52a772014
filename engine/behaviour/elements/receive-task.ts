// Receive tasks: wait for their message like an intermediate catch event, but are activities —
// boundary events attach to them and they can be multi-instance.
import type { ElementBehaviour } from '../element-behaviour.js';
import { openBoundaryTriggers, openCatchTrigger } from '../event-triggers.js';

export const receiveTask: ElementBehaviour = {
  activate(flow, el, node) {
    if (!openCatchTrigger(flow, el, node)) return;
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
    openBoundaryTriggers(flow, el, node);
  },
};
