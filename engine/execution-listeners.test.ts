// Execution listeners through the SDK, as the Camunda docs describe them: jobs that block the
// element — start listeners after the input mappings (their variables local to the element),
// end listeners after the output mappings (their variables to the flow scope) — on the
// process, a task and a gateway; failures become incidents that retry only the failed listener.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployFixture,
  incidentOf,
  jobOf,
  rejectionOf,
  startHarness,
  waitUntil,
  type Harness,
} from './testing/engine-harness.js';

describe('execution listeners', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployFixture(h.client(), 'execution-listeners.bpmn');
  });
  afterAll(async () => h.stop());

  const start = () =>
    h.client().createProcessInstance({ bpmnProcessId: 'execution-listeners', variables: { amount: 10 } });

  it('run in order around the process, the task and the gateway, each blocking until its job completes', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await start();
    const processStart = await jobOf(zbc, 'el.process-start', key);
    expect(h.history.get(key)?.active).toEqual([]);
    await zbc.completeJob({ jobKey: processStart.key, variables: { fromProcessStart: 1 } });

    const before = await jobOf(zbc, 'el.before-charge', key);
    expect(before).toMatchObject({ elementId: 'charge', retries: 1 });
    expect(before.customHeaders).toEqual({ owner: 'listener', currency: 'EUR' });
    expect(before.variables).toMatchObject({ amount: 10, localAmount: 10, fromProcessStart: 1 });
    await zbc.completeJob({ jobKey: before.key, variables: { discount: 2 } });

    const charge = await jobOf(zbc, 'el.charge', key);
    expect(charge.variables).toMatchObject({ localAmount: 10, discount: 2 });
    await zbc.completeJob({ jobKey: charge.key, variables: { charged: 8 } });

    const after = await jobOf(zbc, 'el.after-charge', key);
    expect(after.variables).toMatchObject({ charged: 8, total: 8 });
    await zbc.completeJob({ jobKey: after.key, variables: { audited: true } });

    const route = await jobOf(zbc, 'el.route', key);
    expect(route.elementId).toBe('route');
    await zbc.completeJob({ jobKey: route.key, variables: { express: true } });

    const processEnd = await jobOf(zbc, 'el.process-end', key);
    expect(processEnd.elementId).toBe('execution-listeners');
    await zbc.completeJob({ jobKey: processEnd.key, variables: { closed: true } });

    // discount stays local to the task and express to the gateway; end listeners' variables propagate.
    expect(await h.outcome(key)).toEqual({
      state: 'COMPLETED',
      endEvents: ['fast'],
      variables: { amount: 10, fromProcessStart: 1, total: 8, audited: true, closed: true },
    });
  });

  it('a listener job out of retries is an EXECUTION_LISTENER_NO_RETRIES incident; resolving it retries only that listener', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await start();
    await zbc.completeJob({ jobKey: (await jobOf(zbc, 'el.process-start', key)).key, variables: {} });
    const before = await jobOf(zbc, 'el.before-charge', key);
    await zbc.failJob({ jobKey: before.key, retries: 0, errorMessage: 'ledger down', retryBackOff: 0 });
    const incident = await incidentOf(h, key);
    expect(incident).toMatchObject({
      errorType: 'EXECUTION_LISTENER_NO_RETRIES',
      errorMessage: 'ledger down',
      elementId: 'charge',
      jobKey: before.key,
    });
    await zbc.updateJobRetries({ jobKey: before.key, retries: 1 });
    await zbc.resolveIncident({ incidentKey: incident.key });
    const again = await jobOf(zbc, 'el.before-charge', key);
    expect(again.key).toBe(before.key);
    await zbc.completeJob({ jobKey: again.key, variables: {} });
    await jobOf(zbc, 'el.charge', key);
    expect(h.history.get(key)?.completed.filter((id) => id === 'start')).toEqual(['start']);
  });

  it('a BPMN error cannot be thrown from a listener job', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await start();
    const job = await jobOf(zbc, 'el.process-start', key);
    const err = await rejectionOf(zbc.throwError({ jobKey: job.key, errorCode: 'NOPE', errorMessage: '' }));
    expect(err.message).toMatch(/^9 FAILED_PRECONDITION: .*it is an execution listener job/);
    await waitUntil(
      'the instance to still wait for the listener',
      () => Promise.resolve(h.history.get(key)),
      (r) => r?.state === 'ACTIVE',
    );
  });
});
