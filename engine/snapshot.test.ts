// Snapshots: a restart from the newest snapshot plus the events after it yields exactly the
// state a full replay of the log yields, and the engine goes on from there.
import { deserialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../lib/testing/temp-dir.js';
import { SqliteEventLog, type EventLog } from './log/event-log.js';
import { Engine } from './processor/engine.js';
import { encodeSnapshot } from './state/snapshot.js';
import { deployFixture, fixture, startHarness } from './testing/engine-harness.js';

/** The same log with its snapshots hidden: what a full replay sees. */
function withoutSnapshots(log: EventLog): EventLog {
  return {
    append: (events) => log.append(events),
    latestSnapshot: () => undefined,
    saveSnapshot: () => undefined,
    replay: () => log.replay(),
    close: () => log.close(),
  };
}

async function stateOf(log: EventLog): Promise<{ engine: Engine; state: unknown }> {
  const engine = await Engine.open(log);
  return { engine, state: deserialize(encodeSnapshot(engine.state)) };
}

describe('engine snapshots', () => {
  it('restoring the newest snapshot and the events after it equals a full replay', async () => {
    const dataDir = tempDir('procos-snapshot-');
    // Small enough that several snapshots are taken while the load below runs.
    const harness = await startHarness({ dataDir, snapshotEvery: 40 });
    const zbc = harness.client();
    for (const f of ['two-steps.bpmn', 'message-catch.bpmn', 'timers.bpmn', 'parallel.bpmn'])
      await deployFixture(zbc, f);
    await zbc.deployResource({ name: 'discount.dmn', decision: fixture('discount.dmn') } as never);
    for (let i = 0; i < 30; i++) await zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: { i } });
    await zbc.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'S-1' } });
    await zbc.createProcessInstance({ bpmnProcessId: 'timers', variables: { pause: 'PT1H' } });
    await zbc.publishMessage({ name: 'payment-received', correlationKey: 'NOBODY', timeToLive: 60_000 });
    const jobs = await zbc.activateJobs({
      type: 'durable.work',
      worker: 'w',
      timeout: 60_000,
      maxJobsToActivate: 12,
      requestTimeout: 2000,
    });
    for (const job of jobs.slice(0, 7)) await zbc.completeJob({ jobKey: job.key, variables: { done: true } });
    // Everything is in the log; the harness keeps running, so no shutdown snapshot is taken and
    // the newest one is from the middle of the load.
    await harness.running.engine.durable();

    const fromSnapshot = await stateOf(new SqliteEventLog(dataDir));
    expect(fromSnapshot.engine.recovery.fromSnapshot).toBe(true);
    const full = await stateOf(withoutSnapshots(new SqliteEventLog(dataDir)));
    expect(full.engine.recovery.fromSnapshot).toBe(false);
    expect(fromSnapshot.engine.recovery.eventsReplayed).toBeLessThan(full.engine.recovery.eventsReplayed);
    expect(fromSnapshot.state).toEqual(full.state);
    fromSnapshot.engine.close();
    full.engine.close();
    await harness.stop();
  });

  it('a graceful stop saves a snapshot; the restarted engine replays nothing and goes on', async () => {
    const dataDir = tempDir('procos-snapshot-');
    const first = await startHarness({ dataDir });
    const a = first.client();
    await deployFixture(a, 'two-steps.bpmn');
    const instance = await a.createProcessInstance({ bpmnProcessId: 'two-steps', variables: { n: 1 } });
    await first.stop();

    const second = await startHarness({ dataDir });
    try {
      expect(second.running.engine.recovery).toEqual({ fromSnapshot: true, eventsReplayed: 0 });
      const b = second.client();
      for (const type of ['durable.work', 'durable.audit']) {
        const [job] = await b.activateJobs({
          type,
          worker: 'after',
          timeout: 60_000,
          maxJobsToActivate: 1,
          requestTimeout: 2000,
        });
        expect(job?.processInstanceKey).toBe(instance.processInstanceKey);
        await b.completeJob({ jobKey: job!.key, variables: {} });
      }
      expect(await second.outcome(instance.processInstanceKey)).toEqual({
        state: 'COMPLETED',
        endEvents: ['end'],
        variables: { n: 1 }, // restored from the snapshot, not replayed
      });
    } finally {
      await second.stop();
    }
  });
});
