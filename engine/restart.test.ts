// Restart resumes what was waiting: timers, message subscriptions, activated jobs, buffered
// messages — state comes back from the event log alone. One manual clock spans both engines,
// so "the timer is due after the restart" is a fact of the test, not of the machine's speed.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../lib/testing/temp-dir.js';
import { deployFixture, ManualClock, startHarness } from './testing/engine-harness.js';

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
