// What the clock causes: due timers fire, activation deadlines pass, buffered messages expire.
import type { Engine } from '../processor/engine.js';
import { triggerCatch } from '../behaviour/catch-events.js';

/** One pass over everything time-driven; returns whether anything changed. */
export function processDueTimes(engine: Engine): void {
  const now = engine.clock();
  const { state } = engine;
  const dueTimers = [...state.timers.values()].filter((t) => t.dueAt <= now);
  const expiredJobs = [...state.activated].filter((k) => (state.jobs.get(k)?.deadline ?? Infinity) <= now);
  const expiredMessages = [...state.messages.values()].filter((m) => m.expiresAt <= now);
  if (!dueTimers.length && !expiredJobs.length && !expiredMessages.length) return;
  engine.execute((tx, flow) => {
    for (const key of expiredJobs) tx.emit({ type: 'JOB_TIMED_OUT', key });
    for (const m of expiredMessages) tx.emit({ type: 'MESSAGE_EXPIRED', key: m.key });
    for (const timer of dueTimers) {
      if (!tx.state.timers.has(timer.key)) continue; // cancelled by an earlier timer in this pass
      tx.emit({ type: 'TIMER_TRIGGERED', key: timer.key });
      // Cycles repeat for start events and non-interrupting catches; an interrupting one ends its owner.
      const repeat = timer.repetitions !== 0 && (timer.elementInstanceKey === 0 || !timer.interrupting);
      if (timer.elementInstanceKey === 0) {
        const process = tx.state.processes.get(timer.processDefinitionKey);
        if (!process) continue;
        flow.createProcessInstance(process, {}, [timer.catchElementId]);
      } else {
        const owner = tx.state.elements.get(timer.elementInstanceKey);
        if (!owner) continue;
        triggerCatch(flow, timer.elementInstanceKey, timer.catchElementId, timer.interrupting, {});
        if (!tx.state.elements.has(timer.elementInstanceKey)) continue;
      }
      if (repeat) {
        tx.emit({
          ...timer,
          type: 'TIMER_CREATED',
          key: tx.nextKey(),
          dueAt: timer.dueAt + timer.intervalMs,
          repetitions: timer.repetitions > 0 ? timer.repetitions - 1 : -1,
        });
      }
    }
  });
}
