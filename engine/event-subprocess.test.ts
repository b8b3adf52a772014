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
    await zbc.publishMessage({ name: 'status', correlationKey: 'o-1', timeToLive: 10_000, variables: { asked: true } });
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
    // With a TTL, the message waits if it overtakes the instance it is meant for.
    await zbc.publishMessage({ name: 'abort', correlationKey: 'o-3', timeToLive: 10_000, variables: {} });
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
    // Pick this instance's job: earlier tests may leave main jobs of their own behind.
    let main;
    for (let t = 0; t < 50 && !main; t++) {
      const jobs = await zbc.activateJobs({
        type: 'es.main',
        worker: 't',
        timeout: 30_000,
        maxJobsToActivate: 10,
        requestTimeout: 200,
      });
      main = jobs.find((j) => j.variables.orderId === 'o-4');
    }
    if (!main) throw new Error('no main job of instance o-4');
    await zbc.throwError({ jobKey: main.key, errorCode: 'FATAL', errorMessage: 'disk on fire' });
    expect((await run).variables).toEqual({ orderId: 'o-4', outcome: 'fatal handled' });
  });
});
