// Signals (docs/zeebe-compatibility.md C32): a broadcast reaches every open signal catch event and starts every
// latest process version with a matching signal start event.
import type { Flow } from './flow.js';
import { triggerCatch } from './catch-events.js';

export function broadcastSignal(flow: Flow, name: string, variables: Record<string, unknown>): number {
  const { state } = flow.tx;
  const key = flow.tx.nextKey();
  flow.tx.emit({ type: 'SIGNAL_BROADCAST', key });
  const subscriptions = [...state.subscriptions.values()].filter((s) => s.kind === 'signal' && s.messageName === name);
  for (const sub of subscriptions) {
    if (!state.subscriptions.has(sub.key)) continue; // closed by an earlier interrupting catch
    triggerCatch(flow, sub.elementInstanceKey, sub.catchElementId, sub.interrupting, variables);
  }
  for (const id of [...state.versions.keys()]) {
    const process = state.latestProcess(id);
    if (!process) continue;
    for (const startId of process.model.startEvents.get(process.model.id) ?? []) {
      const e = process.model.elements.get(startId)?.event;
      if (e?.kind !== 'signal' || e.signalName.kind !== 'static' || e.signalName.value !== name) continue;
      flow.createProcessInstance(process, {}, [startId], undefined, variables);
    }
  }
  return key;
}
