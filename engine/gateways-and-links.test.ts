// Inclusive gateways and link events through the SDK, to the end states the Camunda docs
// describe: the fork takes every flow whose condition is true (else the default), the join
// waits for exactly what was forked; a link throw continues at the catch of its name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, incidentOf, jobOf, startHarness, waitUntil, type Harness } from './testing/engine-harness.js';

describe('inclusive gateway', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployFixture(h.client(), 'inclusive-gateway.bpmn');
    await deployFixture(h.client(), 'link-events.bpmn');
  });
  afterAll(async () => h.stop());

  const start = (variables: { amount: number; express: boolean }) =>
    h.client().createProcessInstance({ bpmnProcessId: 'inclusive-gateway', variables });

  it('forks along every true condition and joins once both branches arrived', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await start({ amount: 200, express: true });
    const approve = await jobOf(zbc, 'inclusive.approve', key);
    const shipFast = await jobOf(zbc, 'inclusive.ship-fast', key);
    await zbc.completeJob({ jobKey: approve.key, variables: { approved: true } });
    const waiting = await waitUntil(
      'the first branch to reach the join',
      () => Promise.resolve(h.history.get(key)),
      (r) => r?.completed.includes('approve') === true,
    );
    expect(waiting?.state).toBe('ACTIVE');
    expect(waiting?.completed).not.toContain('join');
    await zbc.completeJob({ jobKey: shipFast.key, variables: { shipped: 'fast' } });
    const ended = await h.ended(key);
    expect(ended).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
    expect(ended.completed.filter((id) => id === 'join')).toEqual(['join']);
    expect(ended.completed).not.toContain('standard');
    expect(ended.variables).toEqual({ amount: 200, express: true, approved: true, shipped: 'fast' });
  });

  it('does not wait at the join for a branch that was not taken', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await start({ amount: 200, express: false });
    const approve = await jobOf(zbc, 'inclusive.approve', key);
    await zbc.completeJob({ jobKey: approve.key, variables: {} });
    const ended = await h.ended(key);
    expect(ended).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
    expect(ended.completed).not.toContain('ship-fast');
  });

  it('takes the default flow when no condition is true', async () => {
    const r = await h.client().createProcessInstanceWithResult({
      bpmnProcessId: 'inclusive-gateway',
      variables: { amount: 5, express: false },
    });
    const ended = await h.ended(r.processInstanceKey);
    expect(ended.completed).toEqual(expect.arrayContaining(['fork', 'standard', 'join', 'end']));
  });

  it('no true condition and no default flow is a CONDITION_ERROR incident, resolvable once the variables are fixed', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'inclusive-gateway.bpmn');
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'inclusive-no-default',
      variables: { x: 3 },
    });
    const incident = await incidentOf(h, key);
    expect(incident).toMatchObject({
      errorType: 'CONDITION_ERROR',
      elementId: 'nd-fork',
      errorMessage: 'Expected at least one condition to evaluate to true, or to have a default flow',
    });
    await zbc.setVariables({ elementInstanceKey: key, variables: { x: 2 }, local: false });
    await zbc.resolveIncident({ incidentKey: incident.key });
    expect(await h.outcome(key)).toEqual({ state: 'COMPLETED', endEvents: ['b'], variables: { x: 2 } });
  });
});

describe('link events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployFixture(h.client(), 'link-events.bpmn');
  });
  afterAll(async () => h.stop());

  it('a link throw event continues at the link catch event of the same name', async () => {
    const r = await h
      .client()
      .createProcessInstanceWithResult({ bpmnProcessId: 'link-events', variables: { amount: 21 } });
    expect(r.variables).toEqual({ amount: 21, billed: 42 });
    const ended = await h.ended(r.processInstanceKey);
    expect(ended.completed).toEqual(['start', 'go-to-billing', 'billing', 'bill', 'end']);
  });
});
