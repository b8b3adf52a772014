// Escalation events through the SDK, to the end states the Camunda docs describe: caught by a
// boundary event (interrupting or not) or an event subprocess, from a called process by its
// call activity (a specific code beats a catch-all), and uncaught without an incident.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, jobOf, startHarness, waitUntil, type Harness } from './testing/engine-harness.js';

describe('escalation events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployFixture(h.client(), 'escalation.bpmn');
  });
  afterAll(async () => h.stop());

  const record = (key: string) => waitUntil(`instance ${key}`, () => Promise.resolve(h.history.get(key)), Boolean);

  it('a non-interrupting boundary event runs alongside: the subprocess that escalated goes on', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'escalation-non-interrupting',
      variables: {},
    });
    await waitUntil(
      'the escalation to be caught while the subprocess works',
      () => record(key),
      (r) => r!.completed.includes('notified') && r!.active.includes('work'),
    );
    const job = await jobOf(zbc, 'escalation.work', key);
    await zbc.completeJob({ jobKey: job.key, variables: { worked: true } });
    expect(await h.outcome(key)).toEqual({
      state: 'COMPLETED',
      endEvents: ['notified', 'reviewed'],
      variables: { worked: true },
    });
  });

  it('an interrupting catch-all boundary event ends the subprocess, its waiting job with it', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'escalation-interrupting',
      variables: {},
    });
    const ended = await h.ended(key);
    expect(ended).toMatchObject({ state: 'COMPLETED', endEvents: ['handled'], openIncidents: [] });
    expect(ended.completed).not.toContain('too-late');
    expect(ended.completed).not.toContain('pack');
    const left = await zbc.activateJobs({
      type: 'escalation.pack',
      worker: 't',
      timeout: 1000,
      maxJobsToActivate: 10,
      requestTimeout: -1,
    });
    expect(left.filter((j) => j.processInstanceKey === key)).toEqual([]);
  });

  it('an escalation nobody catches is no incident: the throw event goes on', async () => {
    const r = await h.client().createProcessInstanceWithResult({ bpmnProcessId: 'escalation-uncaught', variables: {} });
    const ended = await h.ended(r.processInstanceKey);
    expect(ended).toMatchObject({ state: 'COMPLETED', endEvents: ['after'], openIncidents: [] });
    expect(ended.completed).toContain('shout');
  });

  it('a non-interrupting escalation event subprocess runs while the process goes on', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'escalation-event-subprocess',
      variables: {},
    });
    await waitUntil(
      'the event subprocess to finish',
      () => record(key),
      (r) => r!.completed.includes('on-notify'),
    );
    const job = await jobOf(zbc, 'escalation.esp-work', key);
    await zbc.completeJob({ jobKey: job.key, variables: {} });
    expect(await h.outcome(key)).toEqual({ state: 'COMPLETED', endEvents: ['end'], variables: { notice: 'seen' } });
  });

  it('reaches the call activity from the called process, where the boundary with its code wins over the catch-all', async () => {
    const r = await h.client().createProcessInstanceWithResult({ bpmnProcessId: 'escalation-parent', variables: {} });
    const ended = await h.ended(r.processInstanceKey);
    expect(ended).toMatchObject({ state: 'COMPLETED', endEvents: ['late-handled'], openIncidents: [] });
    expect(ended.completed).not.toContain('any-escalation');
  });
});
