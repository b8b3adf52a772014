// Event subprocesses: non-interrupting and interrupting message starts, error handlers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, jobOf, rejectionOf, startHarness, type Harness } from './testing/engine-harness.js';

describe('event subprocesses', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployFixture(h.client(), 'event-subprocess.bpmn');
  });
  afterAll(async () => h.stop());

  it('a non-interrupting message start runs beside the main flow; the instance ends when both are done', async () => {
    const zbc = h.client();
    const { processInstanceKey: pik } = await zbc.createProcessInstance({
      bpmnProcessId: 'event-subprocess',
      variables: { orderId: 'o-1' },
    });
    await zbc.publishMessage({ name: 'status', correlationKey: 'o-1', timeToLive: 10_000, variables: { asked: true } });
    const report = await jobOf(zbc, 'es.status', pik);
    const main = await jobOf(zbc, 'es.main', pik);
    await zbc.completeJob({ jobKey: main.key, variables: { mainDone: true } });
    expect(h.history.get(pik)).toMatchObject({ state: 'ACTIVE', active: ['status', 'report'] });
    await zbc.completeJob({ jobKey: report.key, variables: {} });
    expect(await h.outcome(pik)).toEqual({
      state: 'COMPLETED',
      endEvents: ['end'],
      variables: { orderId: 'o-1', asked: true, mainDone: true },
    });
    expect(h.history.get(pik)?.completed).toEqual(expect.arrayContaining(['status-end', 'status', 'main']));
  });

  it('an interrupting message start ends the main flow', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'event-subprocess', variables: { orderId: 'o-2' } });
    const main = await jobOf(zbc, 'es.main', i.processInstanceKey);
    // The message overtakes the instance it is meant for: with a TTL it waits, buffered, and
    // correlates as soon as the instance opens its event subprocess subscription.
    await zbc.publishMessage({ name: 'abort', correlationKey: 'o-3', timeToLive: 10_000, variables: {} });
    const result = await zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'event-subprocess',
      variables: { orderId: 'o-3' },
    });
    expect(result.variables).toEqual({ orderId: 'o-3', outcome: 'aborted' });
    expect(h.history.get(result.processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: [] });
    // Whether the none start event completes before the buffered message interrupts it is a
    // matter of timing in Zeebe (the subscription opens asynchronously); the main task never runs.
    expect(h.history.get(result.processInstanceKey)?.completed.filter((e) => e !== 'start')).toEqual([
      'abort-requested',
      'aborted',
      'abort',
    ]);
    await zbc.publishMessage({ name: 'abort', correlationKey: 'o-2', variables: {} });
    expect(await h.outcome(i.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: [], // the instance ends with its interrupting event subprocess
      variables: { orderId: 'o-2', outcome: 'aborted' },
    });
    expect((await rejectionOf(zbc.completeJob({ jobKey: main.key, variables: {} }))).message).toMatch(/^5 NOT_FOUND/);
  });

  it('an error thrown by a task is handled by the error event subprocess', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'event-subprocess', variables: { orderId: 'o-4' } });
    const main = await jobOf(zbc, 'es.main', i.processInstanceKey);
    await zbc.throwError({ jobKey: main.key, errorCode: 'FATAL', errorMessage: 'disk on fire' });
    expect(await h.outcome(i.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: [],
      variables: { orderId: 'o-4', outcome: 'fatal handled' },
    });
    expect(h.history.get(i.processInstanceKey)?.completed).toEqual(['start', 'fatal', 'fatal-handled', 'on-fatal']);
  });
});
