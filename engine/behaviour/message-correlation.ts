// Message correlation (docs/zeebe-compatibility.md C28, C29): a message correlates at most once per bpmnProcessId,
// to the oldest matching subscription, or starts an instance through a message start event;
// with a TTL it is buffered and correlates to subscriptions opened later, oldest first.
import type { BufferedMessage, DeployedProcess, MessageSubscription } from '../state/engine-state.js';
import type { Flow } from './flow.js';
import { triggerCatch } from './catch-events.js';

export interface PublishedMessage {
  key: number;
  name: string;
  correlationKey: string;
  variables: Record<string, unknown>;
}

function correlate(flow: Flow, message: PublishedMessage, sub: MessageSubscription): void {
  flow.tx.emit({
    type: 'MESSAGE_CORRELATED',
    key: message.key,
    bpmnProcessId: sub.bpmnProcessId,
    processInstanceKey: sub.processInstanceKey,
    startedInstance: false,
  });
  triggerCatch(flow, sub.elementInstanceKey, sub.catchElementId, sub.interrupting, message.variables);
}

/** Correlates a just-published message; returns the bpmnProcessIds it reached. */
export function correlatePublishedMessage(flow: Flow, message: PublishedMessage): Set<string> {
  const reached = new Set<string>();
  const matching = [...flow.tx.state.subscriptions.values()].filter(
    (s) => s.kind !== 'signal' && s.messageName === message.name && s.correlationKey === message.correlationKey,
  );
  for (const sub of matching) {
    if (reached.has(sub.bpmnProcessId) || !flow.tx.state.subscriptions.has(sub.key)) continue;
    reached.add(sub.bpmnProcessId);
    correlate(flow, message, sub);
  }
  for (const process of messageStartProcesses(flow, message.name)) {
    if (reached.has(process.bpmnProcessId)) continue;
    if (
      message.correlationKey !== '' &&
      flow.tx.state.messageStartedInstances.has(`${process.bpmnProcessId}\0${message.correlationKey}`)
    )
      continue;
    reached.add(process.bpmnProcessId);
    startByMessage(flow, message, process);
  }
  return reached;
}

function messageStartProcesses(flow: Flow, name: string): DeployedProcess[] {
  const out: DeployedProcess[] = [];
  for (const id of flow.tx.state.versions.keys()) {
    const latest = flow.tx.state.latestProcess(id);
    if (latest && messageStartEventId(latest, name)) out.push(latest);
  }
  return out;
}

function messageStartEventId(process: DeployedProcess, name: string): string | undefined {
  return (process.model.startEvents.get(process.model.id) ?? []).find((id) => {
    const e = process.model.elements.get(id)?.event;
    return e?.kind === 'message' && e.messageName.kind === 'static' && e.messageName.value === name;
  });
}

function startByMessage(flow: Flow, message: PublishedMessage, process: DeployedProcess): void {
  const startId = messageStartEventId(process, message.name);
  if (!startId) return;
  const key = flow.createProcessInstance(process, {}, [startId], undefined, message.variables);
  flow.tx.emit({
    type: 'MESSAGE_CORRELATED',
    key: message.key,
    bpmnProcessId: process.bpmnProcessId,
    processInstanceKey: key,
    startedInstance: true,
  });
}

/** A subscription just opened: correlate the oldest buffered message it matches, if any. */
export function correlateBufferedMessages(flow: Flow, subscriptionKey: number): void {
  const sub = flow.tx.state.subscriptions.get(subscriptionKey);
  if (!sub || sub.kind === 'signal') return;
  let oldest: BufferedMessage | undefined;
  for (const m of flow.tx.state.messages.values()) {
    if (m.name !== sub.messageName || m.correlationKey !== sub.correlationKey) continue;
    if (m.expiresAt <= flow.tx.now || m.correlatedTo.has(sub.bpmnProcessId)) continue;
    if (!oldest || m.key < oldest.key) oldest = m;
  }
  if (oldest) correlate(flow, oldest, sub);
}
