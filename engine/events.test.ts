// Messages and timers (docs/zeebe-compatibility.md C28–C30). Timers and message TTLs run on a manual clock: each test
// moves time to just before and exactly to the due date, so nothing depends on the machine's speed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployFixture,
  fixture,
  ManualClock,
  rejectionOf,
  startHarness,
  type Harness,
} from './testing/engine-harness.js';

describe('messages and timers', () => {
  let h: Harness;
  const clock = new ManualClock();
  beforeAll(async () => {
    h = await startHarness({ clock });
    const zbc = h.client();
    for (const f of ['message-catch.bpmn', 'message-start.bpmn', 'timers.bpmn']) await deployFixture(zbc, f);
  });
  afterAll(async () => h.stop());

  /** Activates what is there right now, without waiting. */
  const jobsNow = (type: string) =>
    h.client().activateJobs({ type, worker: 't', timeout: 30_000, maxJobsToActivate: 10, requestTimeout: -1 });

  it('correlates a published message to the waiting instance by correlation key, with its variables (C28)', async () => {
    const zbc = h.client();
    const a = await zbc.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'A-1' } });
    const b = await zbc.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'B-2' } });
    const m = await zbc.publishMessage({
      name: 'payment-received',
      correlationKey: 'A-1',
      timeToLive: 10_000,
      variables: { paid: 12.5 },
    });
    expect(BigInt(m.key)).toBeGreaterThan(0n);
    expect(await h.outcome(a.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['end'],
      variables: { orderId: 'A-1', paid: 12.5 },
    });
    const view = await h.api<{ elements: { elementId: string }[] }>(`/v1/process-instances/${b.processInstanceKey}`);
    expect(view.elements.map((e) => e.elementId)).toEqual(['wait-for-payment']);
  });

  it('buffers a message with a TTL and correlates it when the subscription opens (C28)', async () => {
    const zbc = h.client();
    await zbc.publishMessage({
      name: 'payment-received',
      correlationKey: 'C-3',
      timeToLive: 10_000,
      variables: { early: true },
    });
    const r = await zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'message-catch',
      variables: { orderId: 'C-3' },
    });
    expect(r.variables).toEqual({ orderId: 'C-3', early: true });
  });

  it('a buffered message expires when its TTL has passed, not a millisecond earlier (C28)', async () => {
    const zbc = h.client();
    await zbc.publishMessage({ name: 'payment-received', correlationKey: 'T-1', timeToLive: 10_000 });
    await zbc.publishMessage({ name: 'payment-received', correlationKey: 'T-2', timeToLive: 10_000 });
    await clock.advance(9_999);
    const before = await zbc.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'T-1' } });
    expect(await h.outcome(before.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['end'],
      variables: { orderId: 'T-1' },
    });
    await clock.advance(1);
    const after = await zbc.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'T-2' } });
    const view = await h.api<{ elements: { elementId: string }[] }>(
      `/v1/process-instances/${after.processInstanceKey}`,
    );
    expect(view.elements.map((e) => e.elementId)).toEqual(['wait-for-payment']);
  });

  it('drops a message without TTL that nobody waits for (C28)', async () => {
    const zbc = h.client();
    await zbc.publishMessage({ name: 'payment-received', correlationKey: 'D-4', timeToLive: 0, variables: {} });
    // A buffered message would correlate inside this command (see the TTL test above).
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'D-4' } });
    const view = await h.api<{ elements: { elementId: string }[] }>(`/v1/process-instances/${i.processInstanceKey}`);
    expect(view.elements.map((e) => e.elementId)).toEqual(['wait-for-payment']);
  });

  it('rejects a second buffered message with the same id as ALREADY_EXISTS, and accepts it once the first expired (C28)', async () => {
    const zbc = h.client();
    const message = { name: 'dedup', correlationKey: 'k', messageId: 'm-1', timeToLive: 10_000, variables: {} };
    await zbc.publishMessage(message);
    const e = await rejectionOf(zbc.publishMessage(message));
    expect(e.message).toMatch(/^6 ALREADY_EXISTS: .*with id 'm-1'/);
    await clock.advance(10_000);
    expect(BigInt((await zbc.publishMessage(message)).key)).toBeGreaterThan(0n);
  });

  it('a message start event creates an instance of the latest version; one per correlation key while it runs (C29)', async () => {
    const zbc = h.client();
    await zbc.publishMessage({ name: 'order-placed', correlationKey: 'order-9', variables: { item: 'book' } });
    await zbc.publishMessage({ name: 'order-placed', correlationKey: 'order-9', variables: { item: 'again' } });
    const jobs = await jobsNow('orders.handle');
    expect(jobs.map((j) => j.variables)).toEqual([{ item: 'book' }]);
    // Once that instance has ended, the same correlation key starts a new one.
    await zbc.completeJob({ jobKey: jobs[0]!.key, variables: {} });
    expect(await h.ended(jobs[0]!.processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
    await zbc.publishMessage({ name: 'order-placed', correlationKey: 'order-9', variables: { item: 'later' } });
    expect((await jobsNow('orders.handle')).map((j) => j.variables)).toEqual([{ item: 'later' }]);
    await zbc.publishMessage({ name: 'order-placed', correlationKey: '', variables: { item: 'anonymous-1' } });
    await zbc.publishMessage({ name: 'order-placed', correlationKey: '', variables: { item: 'anonymous-2' } });
    const more = await jobsNow('orders.handle');
    expect(more.map((j) => j.variables.item).sort()).toEqual(['anonymous-1', 'anonymous-2']);
  });

  it('fires an intermediate timer (FEEL duration) and an interrupting boundary timer when due (C30)', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'timers', variables: { pause: 'PT0.2S' } });
    const pik = i.processInstanceKey;
    expect(h.history.get(pik)?.active).toEqual(['pause']);
    await clock.advance(199);
    expect(h.history.get(pik)?.active).toEqual(['pause']);
    await clock.advance(1);
    expect(h.history.get(pik)?.active).toEqual(['slow']);
    await clock.advance(299); // the boundary timer on the task is PT0.3S
    expect(h.history.get(pik)?.active).toEqual(['slow']);
    await clock.advance(1);
    expect(await h.outcome(pik)).toEqual({
      state: 'COMPLETED',
      endEvents: ['timed-out'],
      variables: { pause: 'PT0.2S', timedOut: true },
    });
    expect(await jobsNow('timers.slow')).toEqual([]); // the boundary timer cancelled the job
  });

  it('a timer start event creates instances on its cycle, as many as it repeats (C30)', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'timer-start.bpmn'); // R2/PT0.2S
    const started: number[] = [];
    for (const step of [199, 1, 199, 1, 10_000]) {
      await clock.advance(step);
      started.push((await jobsNow('clock.tick')).length);
    }
    expect(started).toEqual([0, 1, 0, 1, 0]);
  });

  it('redeploying a process replaces the timer start events of the previous version (C30)', async () => {
    const zbc = h.client();
    const v1 = fixture('timer-start.bpmn')
      .toString()
      .replace('id="timer-start"', 'id="timer-replaced"')
      .replace('R2/PT0.2S', 'R/PT0.3S')
      .replace('clock.tick', 'clock.v1');
    await zbc.deployResource({ name: 'timer-replaced.bpmn', process: Buffer.from(v1) });
    await clock.advance(300);
    expect(await jobsNow('clock.v1')).toHaveLength(1); // version 1's timer runs ...
    const v2 = v1.replace('R/PT0.3S', 'R/PT1H').replace('clock.v1', 'clock.v2');
    await zbc.deployResource({ name: 'timer-replaced.bpmn', process: Buffer.from(v2) });
    for (let n = 0; n < 3; n++) await clock.advance(300);
    expect(await jobsNow('clock.v1')).toEqual([]); // ... until version 2 replaces it
    await clock.advance(3_600_000);
    expect(await jobsNow('clock.v2')).toHaveLength(1);
  });
});
