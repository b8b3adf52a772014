// Messages and timers (notes C28–C30).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, fixture, rejectionOf, startHarness, type Harness } from './testing/engine-harness.js';

describe('messages and timers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tickMs: 20 });
    const zbc = h.client();
    for (const f of ['message-catch.bpmn', 'message-start.bpmn', 'timers.bpmn']) await deployFixture(zbc, f);
  });
  afterAll(async () => h.stop());

  it('correlates a published message to the waiting instance by correlation key, with its variables (C28)', async () => {
    const zbc = h.client();
    const a = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'message-catch', variables: { orderId: 'A-1' } });
    const b = await zbc.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'B-2' } });
    await new Promise((r) => setTimeout(r, 100));
    const m = await zbc.publishMessage({
      name: 'payment-received',
      correlationKey: 'A-1',
      timeToLive: 10_000,
      variables: { paid: 12.5 },
    });
    expect(BigInt(m.key)).toBeGreaterThan(0n);
    expect((await a).variables).toEqual({ orderId: 'A-1', paid: 12.5 });
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

  it('drops a message without TTL that nobody waits for (C28)', async () => {
    const zbc = h.client();
    await zbc.publishMessage({ name: 'payment-received', correlationKey: 'D-4', timeToLive: 0, variables: {} });
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'D-4' } });
    await new Promise((r) => setTimeout(r, 200));
    const view = await h.api<{ elements: { elementId: string }[] }>(`/v1/process-instances/${i.processInstanceKey}`);
    expect(view.elements.map((e) => e.elementId)).toEqual(['wait-for-payment']);
  });

  it('rejects a second buffered message with the same id as ALREADY_EXISTS (C28)', async () => {
    const zbc = h.client();
    await zbc.publishMessage({
      name: 'dedup',
      correlationKey: 'k',
      messageId: 'm-1',
      timeToLive: 10_000,
      variables: {},
    });
    const e = await rejectionOf(
      zbc.publishMessage({ name: 'dedup', correlationKey: 'k', messageId: 'm-1', timeToLive: 10_000, variables: {} }),
    );
    expect(e.message).toMatch(/^6 ALREADY_EXISTS/);
  });

  it('a message start event creates an instance of the latest version; one per correlation key while it runs (C29)', async () => {
    const zbc = h.client();
    await zbc.publishMessage({ name: 'order-placed', correlationKey: 'order-9', variables: { item: 'book' } });
    await zbc.publishMessage({ name: 'order-placed', correlationKey: 'order-9', variables: { item: 'again' } });
    const jobs = await zbc.activateJobs({
      type: 'orders.handle',
      worker: 't',
      timeout: 30_000,
      maxJobsToActivate: 10,
      requestTimeout: 2000,
    });
    expect(jobs.map((j) => j.variables)).toEqual([{ item: 'book' }]);
    await zbc.publishMessage({ name: 'order-placed', correlationKey: '', variables: { item: 'anonymous-1' } });
    await zbc.publishMessage({ name: 'order-placed', correlationKey: '', variables: { item: 'anonymous-2' } });
    const more = await zbc.activateJobs({
      type: 'orders.handle',
      worker: 't',
      timeout: 30_000,
      maxJobsToActivate: 10,
      requestTimeout: 2000,
    });
    expect(more.map((j) => j.variables.item).sort()).toEqual(['anonymous-1', 'anonymous-2']);
  });

  it('fires an intermediate timer (FEEL duration) and an interrupting boundary timer (C30)', async () => {
    const zbc = h.client();
    const started = Date.now();
    const r = await zbc.createProcessInstanceWithResult({ bpmnProcessId: 'timers', variables: { pause: 'PT0.2S' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(r.variables).toEqual({ pause: 'PT0.2S', timedOut: true });
    const slow = await zbc.activateJobs({
      type: 'timers.slow',
      worker: 't',
      timeout: 30_000,
      maxJobsToActivate: 10,
      requestTimeout: -1,
    });
    expect(slow).toEqual([]); // the boundary timer cancelled the job
  });

  it('a timer start event creates instances on its cycle (C30)', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'timer-start.bpmn');
    const seen: string[] = [];
    for (let t = 0; t < 40 && seen.length < 2; t++) {
      const jobs = await zbc.activateJobs({
        type: 'clock.tick',
        worker: 't',
        timeout: 30_000,
        maxJobsToActivate: 10,
        requestTimeout: 200,
      });
      seen.push(...jobs.map((j) => j.processInstanceKey));
    }
    expect(new Set(seen).size).toBe(2);
  });

  it('redeploying a process replaces the timer start events of the previous version (C30)', async () => {
    const zbc = h.client();
    const v1 = fixture('timer-start.bpmn')
      .toString()
      .replace('id="timer-start"', 'id="timer-replaced"')
      .replace('R2/PT0.2S', 'R/PT0.3S')
      .replace('clock.tick', 'clock.v1');
    await zbc.deployResource({ name: 'timer-replaced.bpmn', process: Buffer.from(v1) });
    const v2 = v1.replace('R/PT0.3S', 'R/PT1H').replace('clock.v1', 'clock.v2');
    await zbc.deployResource({ name: 'timer-replaced.bpmn', process: Buffer.from(v2) });
    await new Promise((r) => setTimeout(r, 800));
    expect(
      await zbc.activateJobs({
        type: 'clock.v1',
        worker: 't',
        timeout: 30_000,
        maxJobsToActivate: 10,
        requestTimeout: -1,
      }),
    ).toEqual([]);
  });
});
