// End events: none, terminate (ends every other token of its scope), error (thrown to the
// nearest catching boundary or event subprocess), signal (broadcast, then complete).
import type { ElementBehaviour } from '../element-behaviour.js';
import { throwError } from '../errors.js';
import { broadcastSignal } from '../signals.js';
import { signalNameOf } from './intermediate-throw-event.js';

export const endEvent: ElementBehaviour = {
  activate(flow, el, node) {
    const event = node.event;
    if (event.kind === 'signal') {
      const name = signalNameOf(flow, el, node);
      if (name === undefined) return;
      flow.defer(() => broadcastSignal(flow, name, {}));
    }
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
    if (event.kind === 'error') {
      flow.defer(() => throwError(flow, el, event.errorCode ?? '', '', {}));
      return;
    }
    flow.completeElement(el.key, flow.takeEventVariables(el.key));
  },
  afterLeave(flow, el, node) {
    if (node.event.kind === 'terminate') flow.terminateScopeChildren(el.flowScopeKey, true);
    else flow.checkScopeCompletion(el.flowScopeKey);
  },
};
