// Jobs: creation, activation, streams, completion, failure, retries, timeouts (docs/zeebe-compatibility.md C14–C22).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployFixture,
  incidentOf,
  ManualClock,
  rejectionOf,
  startHarness,
  waitUntil,
  type Harness,
} from './testing/engine-harness.js';

const activate = (h: Harness, type: string, extra: object = {}) =>
  h
    .client()
    .activateJobs({ type, worker: 'test', timeout: 30_000, maxJobsToActivate: 10, requestTimeout: -1, ...extra });

describe('jobs', () => {
  let h: Harness;
  // Job deadlines and retry back-offs run on this clock: the tests move it, nothing sleeps.
  const clock = new ManualClock();
  beforeAll(async () => {
    h = await startHarness({ clock });
    const zbc = h.client();
    for (const f of ['io-mapping.bpmn', 'two-steps.bpmn', 'parallel.bpmn']) await deployFixture(zbc, f);
  });
  afterAll(async () => h.stop());

  it('creates a job with FEEL type and retries, headers, and visible variables incl. input mappings (C14, C25)', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({
      bpmnProcessId: 'io-mapping',
      variables: { region: 'eu', customer: { id: 7, name: 'Ada' } },
    });
    const [job] = await activate(h, 'lookup.eu');
    expect(job?.processInstanceKey).toBe(i.processInstanceKey);
    expect(job?.retries).toBe(2);
    expect(job?.customHeaders).toEqual({ endpoint: 'https://example.invalid/customers', method: 'GET' });
    expect(job?.variables).toEqual({
      region: 'eu',
      customer: { id: 7, name: 'Ada' },
      request: { customerId: 7, apiVersion: 'v2' },
      absent: null,
    });
    expect(job?.elementId).toBe('lookup');
    expect(job?.bpmnProcessId).toBe('io-mapping');
  });

  it('sends only the fetchVariable names that exist (C14)', async () => {
    const zbc = h.client();
    await zbc.createProcessInstance({ bpmnProcessId: 'io-mapping', variables: { region: 'us', customer: { id: 1 } } });
    const [job] = await activate(h, 'lookup.us', { fetchVariable: ['region', 'nope'] });
    expect(job?.variables).toEqual({ region: 'us' });
  });

  it.each([
    ['a blank type', { type: ' ' }, /type was ' '/],
    ['a zero timeout', { timeout: 0 }, /timeout of at least 1 ms, but it was 0/],
    ['maxJobsToActivate 0', { maxJobsToActivate: 0 }, /maxJobsToActivate was 0/],
  ])('rejects ActivateJobs with %s as INVALID_ARGUMENT naming the field (C15)', async (_what, wrong, reason) => {
    const e = await rejectionOf(
      h
        .client()
        .activateJobs({ type: 't', worker: 'w', timeout: 1000, maxJobsToActivate: 1, requestTimeout: -1, ...wrong }),
    );
    expect(e.message).toMatch(/^3 INVALID_ARGUMENT/);
    expect(e.message).toMatch(reason);
  });

  it('activates FIFO, at most maxJobsToActivate, each job once (C15, C16)', async () => {
    const zbc = h.client();
    const keys: string[] = [];
    for (let n = 0; n < 5; n++)
      keys.push((await zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: { n } })).processInstanceKey);
    const first = await activate(h, 'durable.work', { maxJobsToActivate: 3 });
    const second = await activate(h, 'durable.work', { maxJobsToActivate: 3 });
    expect([...first, ...second].map((j) => j.processInstanceKey)).toEqual(keys);
    expect(await activate(h, 'durable.work')).toEqual([]);
  });

  it('holds a long poll until a job arrives (C15)', async () => {
    const zbc = h.client();
    const polling = zbc.activateJobs({
      type: 'parallel.left',
      worker: 'poller',
      timeout: 30_000,
      maxJobsToActivate: 5,
      requestTimeout: 15_000,
    });
    await h.workerWaiting('parallel.left'); // the poll is held: no such job exists yet
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'parallel', variables: {} });
    const jobs = await polling;
    expect(jobs.map((j) => j.processInstanceKey)).toEqual([i.processInstanceKey]);
    expect(jobs[0]?.worker).toBe('poller');
  });

  it('ends a long poll with no jobs after requestTimeout (C15)', async () => {
    // requestTimeout is the transport's real time, not the engine clock. Only a lower bound is
    // asserted (the poll was held, not answered at once): a slow machine only makes it longer.
    const started = performance.now();
    const jobs = await h.client().activateJobs({
      type: 'nobody.creates.this',
      worker: 'w',
      timeout: 1000,
      maxJobsToActivate: 1,
      requestTimeout: 300,
    });
    expect(jobs).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('pushes new jobs to an open job stream (C17)', async () => {
    const zbc = h.client();
    const seen: string[] = [];
    const stream = await zbc.streamJobs({
      type: 'parallel.right',
      worker: 'streamer',
      timeout: 30_000,
      taskHandler: async (job: { processInstanceKey: string; complete(): Promise<unknown> }) => {
        seen.push(job.processInstanceKey);
        return job.complete();
      },
    } as never);
    await h.workerWaiting('parallel.right');
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'parallel', variables: {} });
    await waitUntil(
      `the stream to receive the parallel.right job of instance ${i.processInstanceKey}`,
      () => seen,
      (keys) => keys.includes(i.processInstanceKey),
    );
    stream.close();
  });

  it('completes only known, active jobs (C18)', async () => {
    const zbc = h.client();
    await zbc.topology(); // the SDK sets up its logger lazily: a first call of completeJob would throw
    const e = await rejectionOf(zbc.completeJob({ jobKey: '2251799813699998', variables: {} }));
    expect(e.message).toBe(
      "5 NOT_FOUND: Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with key '2251799813699998', but no such job was found",
    );
  });

  it('fails a job: retries left → activatable again after the back-off; none left → incident, resolvable after retries are updated (C18, C20, C21)', async () => {
    const zbc = h.client();
    // io-mapping's job type is "lookup." + region: a type of this test's own.
    const i = await zbc.createProcessInstance({
      bpmnProcessId: 'io-mapping',
      variables: { region: 'retry', customer: { id: 1 } },
    });
    const [job] = await activate(h, 'lookup.retry');
    expect(job?.processInstanceKey).toBe(i.processInstanceKey);
    await zbc.failJob({ jobKey: job!.key, retries: 1, errorMessage: 'flaky', retryBackOff: 300 });
    expect(await activate(h, 'lookup.retry')).toEqual([]);
    await clock.advance(299);
    expect(await activate(h, 'lookup.retry')).toEqual([]);
    // A worker already waiting gets the job as soon as the back-off has passed.
    const waiting = activate(h, 'lookup.retry', { requestTimeout: 15_000 });
    await h.workerWaiting('lookup.retry');
    await clock.advance(1);
    const [again] = await waiting;
    expect(again).toMatchObject({ key: job!.key, retries: 1 });
    await zbc.failJob({ jobKey: again!.key, retries: 0, errorMessage: 'gave up', retryBackOff: 0 });
    const incident = await incidentOf(h, i.processInstanceKey);
    expect(incident).toMatchObject({
      errorType: 'JOB_NO_RETRIES',
      errorMessage: 'gave up',
      jobKey: job!.key,
      elementId: 'lookup',
    });
    expect((await rejectionOf(zbc.completeJob({ jobKey: job!.key, variables: {} }))).message).toMatch(
      /^9 FAILED_PRECONDITION: .*in state 'FAILED'/,
    );
    expect((await rejectionOf(zbc.resolveIncident({ incidentKey: incident.key }))).message).toMatch(
      /^9 FAILED_PRECONDITION: .*no retries left/,
    );
    expect((await rejectionOf(zbc.updateJobRetries({ jobKey: job!.key, retries: 0 }))).message).toMatch(
      /^3 INVALID_ARGUMENT/,
    );
    await zbc.updateJobRetries({ jobKey: job!.key, retries: 1 });
    await zbc.resolveIncident({ incidentKey: incident.key });
    const [resolved] = await activate(h, 'lookup.retry');
    expect(resolved).toMatchObject({ key: job!.key, retries: 1 });
    expect((await rejectionOf(zbc.resolveIncident({ incidentKey: incident.key }))).message).toMatch(/^5 NOT_FOUND/);
  });

  it('keeps job variables of a failed job task-local (C20)', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: {} });
    const job = (await activate(h, 'durable.work')).find((j) => j.processInstanceKey === i.processInstanceKey);
    await zbc.failJob({ jobKey: job!.key, retries: 1, errorMessage: 'x', retryBackOff: 0, variables: { attempt: 1 } });
    const view = await h.api<{
      variables: Record<string, unknown>;
      elements: { elementId: string; variables: Record<string, unknown> }[];
    }>(`/v1/process-instances/${i.processInstanceKey}`);
    expect(view.variables).not.toHaveProperty('attempt');
    expect(view.elements.find((e) => e.elementId === 'work')?.variables).toEqual({ attempt: 1 });
  });

  it('extends an activated job deadline, and rejects unknown or inactive jobs (C22)', async () => {
    const zbc = h.client();
    await zbc.createProcessInstance({ bpmnProcessId: 'io-mapping', variables: { region: 'deadline', customer: {} } });
    const [job] = await activate(h, 'lookup.deadline', { timeout: 200 });
    await zbc.updateJobTimeout({ jobKey: job!.key, timeout: 60_000 });
    await clock.advance(59_999); // well past the first deadline, just short of the new one
    expect(await activate(h, 'lookup.deadline')).toEqual([]);
    await clock.advance(1);
    expect((await activate(h, 'lookup.deadline')).map((j) => j.key)).toEqual([job!.key]);
    expect((await rejectionOf(zbc.updateJobTimeout({ jobKey: '2251799813699997', timeout: 1000 }))).message).toMatch(
      /^5 NOT_FOUND/,
    );
  });

  it('times out an activated job whose worker died: activatable again with the same key and retries, completed once (C16)', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({
      bpmnProcessId: 'io-mapping',
      variables: { region: 'timeout', customer: {} },
    });
    const [job] = await activate(h, 'lookup.timeout', { timeout: 100, worker: 'dies' });
    await clock.advance(99);
    expect(await activate(h, 'lookup.timeout')).toEqual([]);
    await clock.advance(1);
    const again = await activate(h, 'lookup.timeout', { worker: 'second' });
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ key: job!.key, retries: job!.retries, worker: 'second' });
    await zbc.completeJob({ jobKey: again[0]!.key, variables: { response: { name: 'x', score: 1 } } });
    expect((await rejectionOf(zbc.completeJob({ jobKey: job!.key, variables: {} }))).message).toMatch(/^5 NOT_FOUND/);
    const ended = await h.ended(i.processInstanceKey);
    expect(ended).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
    expect(ended.completed.filter((id) => id === 'lookup')).toEqual(['lookup']);
  });

  it('reports the backlog per job type on the read API: activatable, activated, age of the oldest', async () => {
    const zbc = h.client();
    for (let n = 0; n < 3; n++)
      await zbc.createProcessInstance({ bpmnProcessId: 'io-mapping', variables: { region: 'backlog', customer: {} } });
    await clock.advance(1500);
    await activate(h, 'lookup.backlog', { maxJobsToActivate: 1 });
    const backlog =
      await h.api<Record<string, { activatable: number; activated: number; oldestAgeMs: number }>>('/v1/jobs/backlog');
    expect(backlog['lookup.backlog']).toEqual({ activatable: 2, activated: 1, oldestAgeMs: 1500 });
  });
});
