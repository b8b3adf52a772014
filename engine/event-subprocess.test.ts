// Event subprocesses: non-interrupting and interrupting message starts, error handlers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, rejectionOf, startHarness, type Harness } from './testing/engine-harness.js';

describe('event subprocesses', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tickMs: 20 });
    await deployFixture(h.client(), 'event-subprocess.bpmn');
  });
  afterAll(async () => h.stop());

  const one = async (type: string, pik: string) => {
    const jobs = await h
      .client()
      .activateJobs({ type, worker: 't', timeout: 30_000, maxJobsToActivate: 20, requestTimeout: 2000 });
    const j = jobs.find((x) => x.processInstanceKey === pik);
    if (!j) throw new Error(`no ${type} job for ${pik}`);
    return j;
  };

  it('a non-interrupting message start runs beside the main flow; the instance ends when both are done', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'event-subprocess',
      variables: { orderId: 'o-1' },
    });
    await new Promise((r) => setTimeout(r, 100));
    await zbc.publishMessage({ name: 'status', correlationKey: 'o-1', variables: { asked: true } });
    const pik = (await h.api<{ processInstanceKey: string }[]>('/v1/process-instances'))[0]?.processInstanceKey ?? '';
    const report = await one('es.status', pik);
    const main = await one('es.main', pik);
    await zbc.completeJob({ jobKey: main.key, variables: { mainDone: true } });
    await zbc.completeJob({ jobKey: report.key, variables: {} });
    expect((await run).variables).toEqual({ orderId: 'o-1', asked: true, mainDone: true });
  });

  it('an interrupting message start ends the main flow', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'event-subprocess', variables: { orderId: 'o-2' } });
    const main = await one('es.main', i.processInstanceKey);
    const done = zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'event-subprocess',
      variables: { orderId: 'o-3' },
    });
    await zbc.publishMessage({ name: 'abort', correlationKey: 'o-3', variables: {} });
    expect((await done).variables).toEqual({ orderId: 'o-3', outcome: 'aborted' });
    await zbc.publishMessage({ name: 'abort', correlationKey: 'o-2', variables: {} });
    expect((await rejectionOf(zbc.completeJob({ jobKey: main.key, variables: {} }))).message).toMatch(/^5 NOT_FOUND/);
  });

  it('an error thrown by a task is handled by the error event subprocess', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'event-subprocess',
      variables: { orderId: 'o-4' },
    });
    await new Promise((r) => setTimeout(r, 100));
    const [main] = await zbc.activateJobs({
      type: 'es.main',
      worker: 't',
      timeout: 30_000,
      maxJobsToActivate: 1,
      requestTimeout: 2000,
    });
    await zbc.throwError({ jobKey: main!.key, errorCode: 'FATAL', errorMessage: 'disk on fire' });
    expect((await run).variables).toEqual({ orderId: 'o-4', outcome: 'fatal handled' });
  });
});
