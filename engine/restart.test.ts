// Restart resumes what was waiting: timers, message subscriptions, activated jobs, buffered
// messages — state comes back from the event log alone. One manual clock spans both engines,
// so "the timer is due after the restart" is a fact of the test, not of the machine's speed.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../lib/testing/temp-dir.js';
import { listUserTasks } from './rest/user-task-view.js';
import { deployFixture, fixture, jobOf, ManualClock, startHarness, waitUntil } from './testing/engine-harness.js';

describe('engine restart from its event log', () => {
  it('resumes timers, subscriptions, jobs and buffered messages, and keeps issuing fresh keys', async () => {
    const dataDir = tempDir('procos-restart-');
    const clock = new ManualClock();
    const first = await startHarness({ dataDir, clock });
    const a = first.client();
    for (const f of ['timers.bpmn', 'message-catch.bpmn', 'two-steps.bpmn']) await deployFixture(a, f);
    const timer = await a.createProcessInstance({ bpmnProcessId: 'timers', variables: { pause: 'PT1S' } });
    const waiting = await a.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'R-1' } });
    const work = await a.createProcessInstance({ bpmnProcessId: 'two-steps', variables: {} });
    const [job] = await a.activateJobs({
      type: 'durable.work',
      worker: 'before',
      timeout: 60_000,
      maxJobsToActivate: 1,
      requestTimeout: -1,
    });
    expect(job?.processInstanceKey).toBe(work.processInstanceKey);
    await a.publishMessage({
      name: 'payment-received',
      correlationKey: 'LATER',
      timeToLive: 60_000,
      variables: { buffered: true },
    });
    await clock.advance(400); // part of the timer's second passes before the restart
    await first.stop();

    const second = await startHarness({ dataDir, clock });
    try {
      const b = second.client();
      await b.topology(); // the SDK sets up its logger lazily: a first call of completeJob would throw
      await b.completeJob({ jobKey: job!.key, variables: { resumed: true } });
      const [audit] = await b.activateJobs({
        type: 'durable.audit',
        worker: 'after',
        timeout: 60_000,
        maxJobsToActivate: 1,
        requestTimeout: -1,
      });
      expect(audit).toMatchObject({ processInstanceKey: work.processInstanceKey, variables: { resumed: true } });
      await b.publishMessage({ name: 'payment-received', correlationKey: 'R-1', variables: { paid: true } });
      expect(await second.outcome(waiting.processInstanceKey)).toEqual({
        state: 'COMPLETED',
        endEvents: ['end'],
        variables: { orderId: 'R-1', paid: true },
      });
      const late = await b.createProcessInstanceWithResult({
        bpmnProcessId: 'message-catch',
        variables: { orderId: 'LATER' },
      });
      expect(late.variables).toEqual({ orderId: 'LATER', buffered: true });
      // The timer of the first instance fires after the restart, when its second is up.
      const slowJobs = () =>
        b.activateJobs({
          type: 'timers.slow',
          worker: 'after',
          timeout: 60_000,
          maxJobsToActivate: 1,
          requestTimeout: -1,
        });
      await clock.advance(599);
      expect(await slowJobs()).toEqual([]);
      await clock.advance(1);
      expect((await slowJobs()).map((j) => j.processInstanceKey)).toEqual([timer.processInstanceKey]);
      expect(BigInt(late.processInstanceKey)).toBeGreaterThan(BigInt(work.processInstanceKey));
    } finally {
      await second.stop();
    }
  });
});

describe('engine restart with the newer element kinds waiting', () => {
  it.each(['a snapshot', 'the events alone'])(
    'resumes a Camunda user task, a compensation waiting for its handler and an ad-hoc subprocess, from %s',
    async (from) => {
      const dataDir = tempDir('procos-restart-new-');
      const first = await startHarness({ dataDir });
      const a = first.client();
      await a.deployResources([
        { name: 'approval.form', form: fixture('approval.form') },
        { name: 'user-task-native.bpmn', process: fixture('user-task-native.bpmn') },
        { name: 'compensation.bpmn', process: fixture('compensation.bpmn') },
        { name: 'ad-hoc.bpmn', process: fixture('ad-hoc.bpmn') },
      ]);
      const task = await a.createProcessInstance({
        bpmnProcessId: 'user-task-native',
        variables: { owner: 'ann', due: '2026-12-24T12:00:00Z', prio: 5 },
      });
      await a.completeJob({ jobKey: (await jobOf(a, 'tl.creating', task.processInstanceKey)).key, variables: {} });
      const trip = await a.createProcessInstance({ bpmnProcessId: 'trip-booking', variables: { ok: false, price: 1 } });
      await a.completeJob({ jobKey: (await jobOf(a, 'trip.book-hotel', trip.processInstanceKey)).key, variables: {} });
      await a.completeJob({ jobKey: (await jobOf(a, 'trip.charge', trip.processInstanceKey)).key, variables: {} });
      // Waiting, not activated: jobs activated before a restart stay with their worker until they time out.
      const activeIn = (key: string, elementId: string) =>
        waitUntil(
          `${elementId} to wait in ${key}`,
          () => Promise.resolve(first.history.get(key)),
          (r) => r?.active.includes(elementId) === true,
        );
      await activeIn(trip.processInstanceKey, 'cancel-hotel'); // the compensation waits for it
      const research = await a.createProcessInstance({
        bpmnProcessId: 'ad-hoc-all',
        variables: { tools: ['search', 'summarize'], topic: 'restarts' },
      });
      await activeIn(research.processInstanceKey, 'search');
      await first.stop();
      if (from === 'the events alone') {
        const db = new Database(join(dataDir, 'events.sqlite'));
        db.exec('DELETE FROM snapshots');
        db.close();
      }

      const second = await startHarness({ dataDir });
      try {
        expect(second.running.engine.recovery.fromSnapshot).toBe(from === 'a snapshot');
        const b = second.client();
        await b.topology();
        // The user task is in its assigning transition, waiting for the listener it had before.
        await b.completeJob({
          jobKey: (await jobOf(b, 'tl.assigning', task.processInstanceKey, 5000)).key,
          variables: {},
        });
        const userTask = await waitUntil(
          'the task assigned after the restart',
          () =>
            Promise.resolve(
              listUserTasks(second.running.engine).find((t) => t.processInstanceKey === task.processInstanceKey),
            ),
          (t) => t?.state === 'CREATED',
        );
        expect(userTask?.assignee).toBe('ann');
        // Jobs activated before the restart come back once their timeout passes; these were never completed.
        const cancel = await b.activateJobs({
          type: 'trip.cancel-hotel',
          worker: 'after',
          timeout: 60_000,
          maxJobsToActivate: 5,
          requestTimeout: -1,
        });
        const mine = cancel.find((j) => j.processInstanceKey === trip.processInstanceKey);
        await b.completeJob({
          jobKey: (mine ?? (await jobOf(b, 'trip.cancel-hotel', trip.processInstanceKey))).key,
          variables: {},
        });
        expect((await second.outcome(trip.processInstanceKey)).endEvents).toEqual(['undo-all']);
        const search = await jobOf(b, 'adhoc.search', research.processInstanceKey);
        await b.completeJob({ jobKey: search.key, variables: { result: 'after restart' } });
        expect((await second.outcome(research.processInstanceKey)).variables).toEqual({
          tools: ['search', 'summarize'],
          topic: 'restarts',
          results: ['summary of restarts', 'after restart'],
        });
      } finally {
        await second.stop();
      }
    },
  );
});
