// Multi-instance activities: parallel and sequential, output collections, completion condition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, incidentOf, startHarness, type Harness } from './testing/engine-harness.js';

describe('multi-instance', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployFixture(h.client(), 'multi-instance.bpmn');
  });
  afterAll(async () => h.stop());

  it('runs one job per item in parallel, collects outputs in order, then loops sequentially until the completion condition holds', async () => {
    const zbc = h.client();
    const { processInstanceKey: pik } = await zbc.createProcessInstance({
      bpmnProcessId: 'multi-instance',
      variables: { items: [1, 2, 3, 4] },
    });
    // Each job is created by the command before it answers: what is activatable now is all there is.
    const activateNow = (type: string) =>
      zbc.activateJobs({ type, worker: 't', timeout: 30_000, maxJobsToActivate: 10, requestTimeout: -1 });
    const each = await activateNow('mi.each');
    expect(each.map((j) => [j.variables.item, j.variables.loopCounter])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    for (const j of [...each].reverse())
      await zbc.completeJob({ jobKey: j.key, variables: { doubled: (j.variables.item as number) * 2 } });
    const seen: unknown[] = [];
    for (let n = 0; n < 4; n++) {
      const jobs = await activateNow('mi.seq');
      expect(jobs.length, 'a sequential multi-instance runs one job at a time').toBeLessThanOrEqual(1);
      const [j] = jobs;
      if (!j) break;
      seen.push(j.variables.r);
      await zbc.completeJob({ jobKey: j.key, variables: {} });
    }
    expect(seen).toEqual([2, 4, 6]); // 8 never runs: r >= 6 completed the loop
    expect(await h.outcome(pik)).toEqual({
      state: 'COMPLETED',
      endEvents: ['end'],
      variables: { items: [1, 2, 3, 4], results: [2, 4, 6, 8] },
    });
  });

  it('an empty collection completes at once with an empty output collection', async () => {
    const r = await h
      .client()
      .createProcessInstanceWithResult({ bpmnProcessId: 'multi-instance', variables: { items: [] } });
    expect(r.variables).toEqual({ items: [], results: [] });
  });

  it('an input collection that is not a list is an incident', async () => {
    const i = await h.client().createProcessInstance({ bpmnProcessId: 'multi-instance', variables: { items: 'abc' } });
    expect(await incidentOf(h, i.processInstanceKey)).toMatchObject({
      errorType: 'EXTRACT_VALUE_ERROR',
      elementId: 'each',
    });
  });
});
