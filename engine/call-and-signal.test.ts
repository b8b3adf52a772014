// Call activities (C31), signals (C32), event-based gateways, message boundary events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployFixture,
  fixture,
  incidentOf,
  rejectionOf,
  startHarness,
  type Harness,
} from './testing/engine-harness.js';

describe('call activities, signals, event-based gateways, message boundaries', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tickMs: 20 });
    const zbc = h.client();
    for (const f of ['call-parent.bpmn', 'call-child.bpmn', 'event-gateway.bpmn', 'message-boundary.bpmn'])
      await deployFixture(zbc, f);
    await zbc.deployResource({ name: 'signals.bpmn', process: fixture('signals.bpmn') });
  });
  afterAll(async () => h.stop());

  const activateOne = async (type: string) => {
    const [job] = await h
      .client()
      .activateJobs({ type, worker: 't', timeout: 30_000, maxJobsToActivate: 1, requestTimeout: 2000 });
    if (!job) throw new Error(`no ${type} job`);
    return job;
  };

  it('a call activity runs the latest child version with the parent variables and gets the child variables back (C31)', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'call-parent',
      variables: { childProcess: 'call-child', input: 1 },
    });
    const job = await activateOne('child.work');
    expect(job.bpmnProcessId).toBe('call-child');
    expect(job.variables).toEqual({ childProcess: 'call-child', input: 1 });
    await zbc.completeJob({ jobKey: job.key, variables: { fromChild: 'yes' } });
    expect((await run).variables).toEqual({ childProcess: 'call-child', input: 1, fromChild: 'yes' });
  });

  it('an error thrown in the child is caught by the boundary on the call activity (C23, C31)', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'call-parent',
      variables: { childProcess: 'call-child' },
    });
    const job = await activateOne('child.work');
    await zbc.throwError({ jobKey: job.key, errorCode: 'CHILD_FAILED', errorMessage: 'nope' });
    expect((await run).variables).toMatchObject({ outcome: 'failed' });
  });

  it('cancelling the parent cancels the child; the child cannot be cancelled on its own (C13, C31)', async () => {
    const zbc = h.client();
    const parent = await zbc.createProcessInstance({
      bpmnProcessId: 'call-parent',
      variables: { childProcess: 'call-child' },
    });
    const job = await activateOne('child.work');
    expect((await rejectionOf(zbc.cancelProcessInstance(job.processInstanceKey))).message).toMatch(
      /^9 FAILED_PRECONDITION: .*parent process instance/,
    );
    await zbc.cancelProcessInstance(parent.processInstanceKey);
    expect((await rejectionOf(zbc.completeJob({ jobKey: job.key, variables: {} }))).message).toMatch(/^5 NOT_FOUND/);
  });

  it('a missing called process is a CALLED_ELEMENT_ERROR incident (C31)', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({
      bpmnProcessId: 'call-parent',
      variables: { childProcess: 'not-deployed' },
    });
    expect(await incidentOf(h, i.processInstanceKey)).toMatchObject({
      errorType: 'CALLED_ELEMENT_ERROR',
      elementId: 'call',
    });
  });

  it('a signal reaches every waiting catch event and starts signal start processes (C32)', async () => {
    const zbc = h.client();
    const a = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'signal-catch', variables: { n: 1 } });
    const b = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'signal-catch', variables: { n: 2 } });
    // Signals are not buffered: wait until both instances listen.
    for (let t = 0; t < 100; t++) {
      const running = await h.api<{ elements: { elementId: string }[] }[]>('/v1/process-instances');
      if (running.filter((x) => x.elements.some((e) => e.elementId === 'wait-go')).length >= 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const s = await zbc.broadcastSignal({ signalName: 'go', variables: { went: true } });
    expect(BigInt(s.key)).toBeGreaterThan(0n);
    expect((await a).variables).toEqual({ n: 1, went: true });
    expect((await b).variables).toEqual({ n: 2, went: true });
    await zbc.broadcastSignal({ signalName: 'launch', variables: { reason: 'test' } });
    const job = await activateOne('signal.launched');
    expect(job.variables).toEqual({ reason: 'test' });
  });

  it('an event-based gateway follows the first event: a message ...', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'event-gateway',
      variables: { requestId: 'r-1' },
    });
    await new Promise((r) => setTimeout(r, 100));
    await zbc.publishMessage({
      name: 'approved',
      correlationKey: 'r-1',
      timeToLive: 10_000,
      variables: { by: 'alice' },
    });
    expect((await run).variables).toEqual({ requestId: 'r-1', by: 'alice' });
  });

  it('... or the timer when no message comes in time', async () => {
    const zbc = h.client();
    const r = await zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'event-gateway',
      variables: { requestId: 'r-2' },
    });
    expect(r.variables).toEqual({ requestId: 'r-2', timedOut: true });
  });

  it('a non-interrupting message boundary runs beside the task; an interrupting one ends it', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'message-boundary', variables: { jobId: 'j-7' } });
    const long = await activateOne('boundary.long');
    await zbc.publishMessage({ name: 'ping', correlationKey: 'j-7', variables: {} });
    await zbc.publishMessage({ name: 'ping', correlationKey: 'j-7', variables: {} });
    const notify = await zbc.activateJobs({
      type: 'boundary.notify',
      worker: 't',
      timeout: 30_000,
      maxJobsToActivate: 10,
      requestTimeout: 2000,
    });
    expect(notify.map((j) => j.processInstanceKey)).toEqual([i.processInstanceKey, i.processInstanceKey]);
    await zbc.publishMessage({ name: 'cancel', correlationKey: 'j-7', variables: {} });
    expect((await rejectionOf(zbc.completeJob({ jobKey: long.key, variables: {} }))).message).toMatch(/^5 NOT_FOUND/);
    for (const j of notify) await zbc.completeJob({ jobKey: j.key, variables: {} });
    await new Promise((r) => setTimeout(r, 100));
    expect(await h.api(`/v1/process-instances/${i.processInstanceKey}`)).toHaveProperty('error');
  });
});
