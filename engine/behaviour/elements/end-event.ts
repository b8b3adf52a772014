// End events: none, terminate (ends every other token of its scope), error (thrown to the
// nearest catching boundary or event subprocess), signal, escalation and message (a job), which
// end their token once thrown.
import type { ElementBehaviour } from '../element-behaviour.js';
import { throwError } from '../errors.js';
import { throwEvent } from './intermediate-throw-event.js';

export const endEvent: ElementBehaviour = {
  activate(flow, el, node) {
    const event = node.event;
    if (event.kind === 'error') {
      flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
      flow.defer(() => throwError(flow, el, event.errorCode ?? '', '', {}));
      return;
    }
    if (throwEvent(flow, el, node)) flow.completeElement(el.key, flow.takeEventVariables(el.key));
  },
  afterLeave(flow, el, node) {
    if (node.event.kind === 'terminate') flow.terminateScopeChildren(el.flowScopeKey, true);
    else flow.checkScopeCompletion(el.flowScopeKey);
  },
};
