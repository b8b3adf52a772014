// The Camunda 8 REST API (v2) subset, through the SDK's own REST client as a user would call it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CamundaJobSearchBacklog } from '../../operator/engine-client/backlog-source.js';
import { fixture, startHarness, waitFor, waitUntil, type Harness } from '../testing/engine-harness.js';
import { problemOf, restClient, type CamundaRestClient } from './testing/rest-client.js';

/** The SDK types a REST job's variables and headers as its Dto; without one they are plain JSON. */
const vars = (dto: object): Record<string, unknown> => dto as Record<string, unknown>;

const helloBpmn = readFileSync(new URL('../../processes/hello.bpmn', import.meta.url));

describe('the REST API (v2) through CamundaRestClient', () => {
  let h: Harness;
  let c8: CamundaRestClient;
  beforeAll(async () => {
    h = await startHarness({ restPort: 0 });
    c8 = restClient(h.running.restPort ?? 0);
    await c8.deployResources([{ name: 'hello.bpmn', content: helloBpmn.toString() }]);
  });
  afterAll(async () => {
    c8.stopWorkers();
    await h.stop();
  });

  /** An instance of hello waiting at its first job (no worker for it here). */
  const waitingHello = async (variables: Record<string, unknown> = { name: 'Ada' }): Promise<string> =>
    (await c8.createProcessInstance({ processDefinitionId: 'hello', variables })).processInstanceKey;

  it('tells the topology: one broker leading one partition, gateway 8.8', async () => {
    const t = await c8.getTopology();
    expect(t).toMatchObject({ clusterSize: 1, partitionsCount: 1, replicationFactor: 1 });
    expect(t.gatewayVersion).toMatch(/^8\.8\./);
    expect(t.brokers[0]?.partitions).toEqual([{ partitionId: 1, role: 'leader', health: 'healthy' }]);
  });

  it('deploys BPMN, DMN and a form from multipart, as Desktop Modeler does', async () => {
    const d = await c8.deployResources([
      { name: 'decide.bpmn', content: fixture('decide.bpmn').toString() },
      { name: 'discount.dmn', content: fixture('discount.dmn').toString() },
      { name: 'approval.form', content: fixture('approval.form').toString() },
    ]);
    expect(d.deploymentKey).toMatch(/^\d+$/);
    expect(d.tenantId).toBe('<default>');
    expect(d.processes[0]).toMatchObject({
      processDefinitionId: 'decide',
      resourceName: 'decide.bpmn',
      tenantId: '<default>',
    });
    expect(d.processes[0]?.processDefinitionKey).toMatch(/^\d+$/);
    expect(d.decisions.length).toBeGreaterThan(0);
    expect(d.decisionRequirements[0]?.resourceName).toBe('discount.dmn');
    expect(d.forms[0]).toMatchObject({ formId: expect.any(String) as string, resourceName: 'approval.form' });
  });

  it('runs hello with REST job workers (activation, completion) and awaitCompletion', async () => {
    c8.createJobWorker({
      type: 'hello.greet',
      worker: 'rest-greeter',
      timeout: 30_000,
      maxJobsToActivate: 8,
      pollIntervalMs: 50,
      jobHandler: (job) => job.complete({ greeting: `Hello, ${String(vars(job.variables).name)}!` }),
    });
    c8.createJobWorker({
      type: 'hello.reply',
      worker: 'rest-replier',
      timeout: 30_000,
      maxJobsToActivate: 8,
      pollIntervalMs: 50,
      jobHandler: (job) =>
        job.complete({
          reply: `${String(vars(job.variables).greeting)} (${String(vars(job.customHeaders).style)})`,
        }),
    });
    const r = await c8.createProcessInstanceWithResult({ processDefinitionId: 'hello', variables: { name: 'Ada' } });
    expect(r.processDefinitionId).toBe('hello');
    expect(r.variables).toEqual({ name: 'Ada', greeting: 'Hello, Ada!', reply: 'Hello, Ada! (short)' });
    c8.stopWorkers();

    const found = await c8.searchProcessInstances({
      filter: { processInstanceKey: r.processInstanceKey, state: 'COMPLETED' },
    });
    expect(found.page.totalItems).toBe(1);
    expect(found.items[0]).toMatchObject({
      processInstanceKey: r.processInstanceKey,
      processDefinitionId: 'hello',
      state: 'COMPLETED',
      hasIncident: false,
      tenantId: '<default>',
    });
    expect(Date.parse(found.items[0]?.endDate ?? '')).toBeGreaterThanOrEqual(
      Date.parse(found.items[0]?.startDate ?? ''),
    );
    const one = await c8.callApiEndpoint<never, { state: string }>({
      method: 'GET',
      urlPath: `process-instances/${r.processInstanceKey}`,
    });
    expect(one.state).toBe('COMPLETED');
  });

  it('searches process instances by filter, sorts and pages them with cursors', async () => {
    const keys = [await waitingHello(), await waitingHello(), await waitingHello()];
    const filter = { processDefinitionId: 'hello', state: 'ACTIVE' as const, processInstanceKey: { $in: keys } };
    const first = await c8.searchProcessInstances({
      filter: filter,
      sort: [{ field: 'processInstanceKey', order: 'DESC' }],
      page: { limit: 2 } as never,
    });
    expect(first.page.totalItems).toBe(3);
    expect(first.items.map((i) => i.processInstanceKey)).toEqual([keys[2], keys[1]]);
    const next = await c8.searchProcessInstances({
      filter: filter,
      sort: [{ field: 'processInstanceKey', order: 'DESC' }],
      page: { limit: 2, after: first.page.endCursor } as never,
    });
    expect(next.items.map((i) => i.processInstanceKey)).toEqual([keys[0]]);
    await c8.cancelProcessInstance({ processInstanceKey: keys[0] ?? '' });
    const canceled = await c8.searchProcessInstances({
      filter: { processInstanceKey: keys[0], state: 'TERMINATED' } as never,
    });
    expect(canceled.page.totalItems).toBe(1);
  });

  it('searches variables of an instance, truncating long values, and gets one whole by key', async () => {
    const long = 'x'.repeat(9000);
    const key = await waitingHello({ name: 'Grace', note: long, n: 42 });
    const found = await c8.searchVariables({
      filter: { processInstanceKey: key },
      sort: [{ field: 'name', order: 'ASC' }],
    });
    expect(found.items.map((v) => [v.name, v.scopeKey, v.isTruncated])).toEqual([
      ['n', key, false],
      ['name', key, false],
      ['note', key, true],
    ]);
    expect(found.items[1]?.value).toBe('"Grace"');
    expect(found.items[2]?.value).toHaveLength(8191);
    const note = await c8.getVariable({ variableKey: found.items[2]?.variableKey ?? '' });
    expect(note.value).toBe(long);
    const byName = await c8.searchVariables({ filter: { name: 'n', value: '42', processInstanceKey: key } });
    expect(byName.page.totalItems).toBe(1);
  });

  it('shows a failed job as an incident, which resolves after its retries are raised', async () => {
    await c8.deployResources([{ name: 'failing.bpmn', content: helloBpmn.toString().replaceAll('hello', 'failing') }]);
    const { processInstanceKey: key } = await c8.createProcessInstance({
      processDefinitionId: 'failing',
      variables: {},
    });
    const [job] = await c8.activateJobs({
      type: 'failing.greet',
      worker: 'w',
      timeout: 30_000,
      maxJobsToActivate: 1,
      requestTimeout: 10_000,
    });
    expect(job?.processInstanceKey).toBe(key);
    await job?.fail({ errorMessage: 'the greeting service is down', retries: 0 });
    const incidents = await waitFor('the incident on the REST API', async () => {
      const r = await c8.searchIncidents({ filter: { processInstanceKey: key } });
      return r.items.length ? r : undefined;
    });
    expect(incidents.items[0]).toMatchObject({
      errorType: 'JOB_NO_RETRIES',
      errorMessage: 'the greeting service is down',
      elementId: 'greet',
      processDefinitionId: 'failing',
      state: 'ACTIVE',
      jobKey: job?.jobKey,
    });
    const instance = await c8.searchProcessInstances({ filter: { processInstanceKey: key } });
    expect(instance.items[0]?.hasIncident).toBe(true);
    const incidentKey = incidents.items[0]?.incidentKey ?? '';
    expect(await problemOf(c8.resolveIncident(incidentKey))).toMatchObject({ status: 409, title: 'INVALID_STATE' });
    await c8.updateJob({ jobKey: job?.jobKey ?? '', retries: 1 });
    await c8.resolveIncident(incidentKey);
    expect((await c8.searchIncidents({ filter: { processInstanceKey: key } })).page.totalItems).toBe(0);
    const [again] = await c8.activateJobs({
      type: 'failing.greet',
      worker: 'w',
      timeout: 30_000,
      maxJobsToActivate: 1,
      requestTimeout: 10_000,
    });
    expect(again?.jobKey).toBe(job?.jobKey);
    await again?.complete({ greeting: 'hi' });
  });

  it('counts waiting jobs per type as the WorkerPool scaler reads them on Camunda 8.8+ (POST /v2/jobs/search)', async () => {
    const deployed = await c8.deployResources([
      { name: 'backlog.bpmn', content: helloBpmn.toString().replaceAll('hello', 'backlog') },
    ]);
    expect(deployed.processes[0]?.processDefinitionId).toBe('backlog');
    for (let i = 0; i < 3; i++) await c8.createProcessInstance({ processDefinitionId: 'backlog', variables: {} });
    const scaler = new CamundaJobSearchBacklog(`http://127.0.0.1:${h.running.restPort ?? 0}`);
    const reading = await waitUntil(
      'three backlog.greet jobs on the REST API',
      () => scaler.read(['backlog.greet', 'backlog.reply']),
      (r) => r.byType['backlog.greet'] === 3,
    );
    expect(reading).toEqual({ byType: { 'backlog.greet': 3, 'backlog.reply': 0 }, total: 3 });
    // A job being worked on is still CREATED, as on Camunda (the read API's backlog counts only activatable ones).
    await c8.activateJobs({ type: 'backlog.greet', worker: 'w', timeout: 30_000, maxJobsToActivate: 1 });
    expect((await scaler.read(['backlog.greet'])).byType['backlog.greet']).toBe(3);
    expect(
      (await h.api<Record<string, { activatable: number }>>('/v1/jobs/backlog'))['backlog.greet']?.activatable,
    ).toBe(2);
    const jobs = await c8.callApiEndpoint<never, { items: { type: string; state: string; worker: string }[] }>({
      method: 'POST',
      urlPath: 'jobs/search',
      body: { filter: { type: 'backlog.greet', worker: 'w' } } as never,
    });
    expect(jobs.items).toEqual([expect.objectContaining({ type: 'backlog.greet', state: 'CREATED', worker: 'w' })]);
  });
  it("answers Camunda 8.9's job statistics: created, completed and failed per job type in a window", async () => {
    await c8.deployResources([{ name: 'stats.bpmn', content: helloBpmn.toString().replaceAll('hello', 'stats') }]);
    for (let i = 0; i < 3; i++) await c8.createProcessInstance({ processDefinitionId: 'stats', variables: {} });
    const take = (worker: string, n: number) =>
      c8.activateJobs({ type: 'stats.greet', worker, timeout: 30_000, maxJobsToActivate: n });
    const [a, b] = await take('w1', 2);
    const [c] = await take('w2', 1);
    await a?.complete({ greeting: 'Hello, A!' });
    await b?.complete({ greeting: 'Hi' });
    await c?.fail({ errorMessage: 'not now', retries: 2 });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    type Item = { jobType: string; created: Metric; completed: Metric; failed: Metric; workers: number };
    type Metric = { count: number; lastUpdatedAt: string | null };
    const byTypes = (body: object) =>
      c8.callApiEndpoint<never, { items: Item[]; page: { totalItems: number; endCursor?: string } }>({
        method: 'POST',
        urlPath: 'jobs/statistics/by-types',
        body: body as never,
      });
    const stats = await waitUntil(
      'the greet jobs counted',
      () => byTypes({ filter: { from, to, jobType: { $like: 'stats.*' } } }),
      (r) => r.items[0]?.completed.count === 2 && r.items[1]?.created.count === 2,
    );
    const at = expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown;
    expect(stats.items).toEqual([
      {
        jobType: 'stats.greet',
        created: { count: 3, lastUpdatedAt: at },
        completed: { count: 2, lastUpdatedAt: at },
        failed: { count: 1, lastUpdatedAt: at },
        workers: 2,
      },
      {
        jobType: 'stats.reply',
        created: { count: 2, lastUpdatedAt: at },
        completed: { count: 0, lastUpdatedAt: null },
        failed: { count: 0, lastUpdatedAt: null },
        workers: 0,
      },
    ]);
    // Pages go forward by cursor, in job type order.
    const first = await byTypes({ filter: { from, to, jobType: { $like: 'stats.*' } }, page: { limit: 1 } });
    expect(first.items.map((i) => i.jobType)).toEqual(['stats.greet']);
    expect(first.page.totalItems).toBe(2);
    const second = await byTypes({
      filter: { from, to, jobType: { $like: 'stats.*' } },
      page: { limit: 1, after: first.page.endCursor },
    });
    expect(second.items.map((i) => i.jobType)).toEqual(['stats.reply']);
    // A window that ends before the jobs were created counts none of them.
    expect((await byTypes({ filter: { from, to: from, jobType: 'stats.greet' } })).items).toEqual([]);

    const global = (queryParams: Record<string, string>) =>
      c8.callApiEndpoint<never, Record<string, unknown>>({
        method: 'GET',
        urlPath: 'jobs/statistics/global',
        queryParams,
      } as never);
    expect(await global({ from, to, jobType: 'stats.greet' })).toEqual({
      created: { count: 3, lastUpdatedAt: at },
      completed: { count: 2, lastUpdatedAt: at },
      failed: { count: 1, lastUpdatedAt: at },
      // The window starts an hour ago, before this engine started: it cannot speak for that hour.
      isIncomplete: true,
    });
    expect(await global({ from: new Date(Date.now() + 60_000).toISOString(), to, jobType: 'stats.greet' })).toEqual({
      created: { count: 0, lastUpdatedAt: null },
      completed: { count: 0, lastUpdatedAt: null },
      failed: { count: 0, lastUpdatedAt: null },
      isIncomplete: false,
    });
    expect(await problemOf(global({ jobType: 'stats.greet' }))).toMatchObject({
      status: 400,
      detail: expect.stringContaining("Property 'from': required") as unknown,
    });
    expect(await problemOf(byTypes({ filter: { from: 'yesterday', to } }))).toMatchObject({
      status: 400,
      detail: expect.stringContaining("Property 'filter.from': invalid") as unknown,
    });
  });
});
