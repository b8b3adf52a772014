// Call activities (C31), signals (C32), event-based gateways, message boundary events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployFixture,
  fixture,
  incidentOf,
  ManualClock,
  nextJob,
  rejectionOf,
  startHarness,
  type Harness,
} from './testing/engine-harness.js';

describe('call activities, signals, event-based gateways, message boundaries', () => {
  let h: Harness;
  const clock = new ManualClock();
  beforeAll(async () => {
    h = await startHarness({ clock });
    const zbc = h.client();
    for (const f of ['call-parent.bpmn', 'call-child.bpmn', 'event-gateway.bpmn', 'message-boundary.bpmn'])
      await deployFixture(zbc, f);
    await zbc.deployResource({ name: 'signals.bpmn', process: fixture('signals.bpmn') });
  });
  afterAll(async () => h.stop());

  it('a call activity runs the latest child version with the parent variables and gets the child variables back (C31)', async () => {
    const zbc = h.client();
    const parent = await zbc.createProcessInstance({
      bpmnProcessId: 'call-parent',
      variables: { childProcess: 'call-child', input: 1 },
    });
    const job = await nextJob(zbc, 'child.work');
    expect(job.bpmnProcessId).toBe('call-child');
    expect(job.processInstanceKey).not.toBe(parent.processInstanceKey); // an instance of its own
    expect(job.variables).toEqual({ childProcess: 'call-child', input: 1 });
    await zbc.completeJob({ jobKey: job.key, variables: { fromChild: 'yes' } });
    expect(await h.ended(job.processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
    expect(await h.outcome(parent.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['end'],
      variables: { childProcess: 'call-child', input: 1, fromChild: 'yes' },
    });
  });

  it('an error thrown in the child is caught by the boundary on the call activity (C23, C31)', async () => {
    const zbc = h.client();
    const parent = await zbc.createProcessInstance({
      bpmnProcessId: 'call-parent',
      variables: { childProcess: 'call-child' },
    });
    const job = await nextJob(zbc, 'child.work');
    await zbc.throwError({ jobKey: job.key, errorCode: 'CHILD_FAILED', errorMessage: 'nope' });
    expect(await h.outcome(parent.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['failed-end'],
      variables: { childProcess: 'call-child', outcome: 'failed' },
    });
    expect(await h.ended(job.processInstanceKey)).toMatchObject({ state: 'TERMINATED', endEvents: [] });
  });

  it('cancelling the parent cancels the child; the child cannot be cancelled on its own (C13, C31)', async () => {
    const zbc = h.client();
    const parent = await zbc.createProcessInstance({
      bpmnProcessId: 'call-parent',
      variables: { childProcess: 'call-child' },
    });
    const job = await nextJob(zbc, 'child.work');
    expect((await rejectionOf(zbc.cancelProcessInstance(job.processInstanceKey))).message).toMatch(
      /^9 FAILED_PRECONDITION: .*parent process instance/,
    );
    expect(h.history.get(job.processInstanceKey)?.state).toBe('ACTIVE');
    await zbc.cancelProcessInstance(parent.processInstanceKey);
    expect(await h.ended(parent.processInstanceKey)).toMatchObject({ state: 'TERMINATED' });
    expect(await h.ended(job.processInstanceKey)).toMatchObject({ state: 'TERMINATED' });
    expect((await rejectionOf(zbc.completeJob({ jobKey: job.key, variables: {} }))).message).toMatch(/^5 NOT_FOUND/);
  });

  it('a missing called process is a CALLED_ELEMENT_ERROR incident (C31)', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({
      bpmnProcessId: 'call-parent',
      variables: { childProcess: 'not-deployed' },
    });
    const incident = await incidentOf(h, i.processInstanceKey);
    expect(incident).toMatchObject({ errorType: 'CALLED_ELEMENT_ERROR', elementId: 'call' });
    expect(incident.errorMessage).toContain('not-deployed');
  });

  it('a signal reaches every waiting catch event and starts signal start processes (C32)', async () => {
    const zbc = h.client();
    // Signals are not buffered; an instance listens once its create command has answered.
    const a = await zbc.createProcessInstance({ bpmnProcessId: 'signal-catch', variables: { n: 1 } });
    const b = await zbc.createProcessInstance({ bpmnProcessId: 'signal-catch', variables: { n: 2 } });
    expect(h.history.get(a.processInstanceKey)?.active).toEqual(['wait-go']);
    const s = await zbc.broadcastSignal({ signalName: 'go', variables: { went: true } });
    expect(BigInt(s.key)).toBeGreaterThan(0n);
    for (const [i, n] of [
      [a, 1],
      [b, 2],
    ] as const)
      expect(await h.outcome(i.processInstanceKey)).toEqual({
        state: 'COMPLETED',
        endEvents: ['end'],
        variables: { n, went: true },
      });
    await zbc.broadcastSignal({ signalName: 'launch', variables: { reason: 'test' } });
    const job = await nextJob(zbc, 'signal.launched');
    expect(job.bpmnProcessId).toBe('signal-start');
    expect(job.variables).toEqual({ reason: 'test' });
  });

  it('an event-based gateway follows the first event: a message ...', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'event-gateway', variables: { requestId: 'r-1' } });
    await zbc.publishMessage({
      name: 'approved',
      correlationKey: 'r-1',
      timeToLive: 10_000,
      variables: { by: 'alice' },
    });
    expect(await h.outcome(i.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['approved-end'],
      variables: { requestId: 'r-1', by: 'alice' },
    });
  });

  it('... or the timer when no message comes in time', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'event-gateway', variables: { requestId: 'r-2' } });
    await clock.advance(299); // the timer is PT0.3S
    expect(h.history.get(i.processInstanceKey)?.state).toBe('ACTIVE');
    await clock.advance(1);
    expect(await h.outcome(i.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['timeout-end'],
      variables: { requestId: 'r-2', timedOut: true },
    });
  });

  it('a non-interrupting message boundary runs beside the task; an interrupting one ends it', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'message-boundary', variables: { jobId: 'j-7' } });
    const long = await nextJob(zbc, 'boundary.long');
    await zbc.publishMessage({ name: 'ping', correlationKey: 'j-7', variables: {} });
    await zbc.publishMessage({ name: 'ping', correlationKey: 'j-7', variables: {} });
    const notify = await zbc.activateJobs({
      type: 'boundary.notify',
      worker: 't',
      timeout: 30_000,
      maxJobsToActivate: 10,
      requestTimeout: -1,
    });
    expect(notify.map((j) => j.processInstanceKey)).toEqual([i.processInstanceKey, i.processInstanceKey]);
    expect(h.history.get(i.processInstanceKey)?.active.sort()).toEqual(['long-job', 'notify', 'notify']);
    await zbc.publishMessage({ name: 'cancel', correlationKey: 'j-7', variables: {} });
    expect((await rejectionOf(zbc.completeJob({ jobKey: long.key, variables: {} }))).message).toMatch(/^5 NOT_FOUND/);
    for (const j of notify) await zbc.completeJob({ jobKey: j.key, variables: {} });
    expect(await h.ended(i.processInstanceKey)).toMatchObject({
      state: 'COMPLETED',
      endEvents: ['cancelled', 'notified', 'notified'],
    });
  });
});
