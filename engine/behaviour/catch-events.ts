// An event arrived for a waiting element: a timer fired, a message or signal correlated. It
// completes an intermediate catch event, moves an event-based gateway's token to the event that
// won, starts an event subprocess, or activates a boundary event (ending its activity when the
// event interrupts).
import { triggerEventSubprocess } from './event-subprocess.js';
import { closeEventTriggers } from './event-triggers.js';
import type { Flow } from './flow.js';

/**
 * A timer or message arrived for `catchElementId` of the owner: complete an intermediate catch
 * event, or activate a boundary event (terminating the activity when interrupting).
 */
export function triggerCatch(
  flow: Flow,
  ownerKey: number,
  catchElementId: string,
  interrupting: boolean,
  variables: Record<string, unknown>,
): void {
  const owner = flow.tx.state.elements.get(ownerKey);
  if (!owner) return;
  if (owner.elementId === catchElementId) {
    closeEventTriggers(flow, ownerKey);
    flow.completeElement(ownerKey, variables);
    flow.run();
    return;
  }
  if (triggerEventSubprocess(flow, owner, catchElementId, interrupting, variables)) return;
  const model = flow.processOf(owner).model;
  const flowScopeKey = owner.flowScopeKey;
  if (owner.kind === 'eventBasedGateway') {
    // The first event wins: the gateway completes and its token moves to that catch event.
    closeEventTriggers(flow, ownerKey);
    const flowId = flow.nodeOf(owner).outgoing.find((f) => model.flows.get(f)?.target === catchElementId);
    flow.tx.emit({ type: 'ELEMENT_COMPLETING', key: ownerKey });
    flow.tx.emit({ type: 'ELEMENT_COMPLETED', key: ownerKey });
    if (flowId) {
      flow.tx.emit({ type: 'FLOW_TAKEN', flowScopeKey, flowId, join: false });
      flow.beginActivation(model, catchElementId, flowScopeKey, variables);
    }
    flow.run();
    return;
  }
  if (interrupting) flow.terminate(ownerKey);
  flow.beginActivation(model, catchElementId, flowScopeKey, variables);
  flow.run();
}
