// Transport, errors, keys, tenancy, deployment and instances (docs/zeebe-compatibility.md C1–C13).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployFixture,
  fixture,
  rawGateway,
  rejectionOf,
  startHarness,
  type Harness,
} from './testing/engine-harness.js';

describe('gateway protocol basics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  it('rejects with Zeebe status and message shape (C2)', async () => {
    const e = await rejectionOf(h.client().cancelProcessInstance('2251799813699999'));
    expect(e.message).toMatch(
      /^5 NOT_FOUND: Command 'CANCEL' rejected with code 'NOT_FOUND': Expected to cancel a process instance with key '2251799813699999'/,
    );
  });

  it('issues Zeebe-style int64 keys, unique across kinds (C4)', async () => {
    const zbc = h.client();
    const d = await deployFixture(zbc, 'two-steps.bpmn');
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: {} });
    const m = await zbc.publishMessage({ name: 'nobody-listens', correlationKey: 'x', variables: {} });
    const keys = [d.key, d.processDefinitionKey, i.processInstanceKey, m.key];
    for (const k of keys) expect(BigInt(k)).toBeGreaterThanOrEqual(2251799813685249n);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('accepts the default tenant and rejects others (C5)', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'two-steps.bpmn');
    const ok = await zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: {}, tenantId: '<default>' });
    expect(ok.tenantId).toBe('<default>');
    const e = await rejectionOf(
      zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: {}, tenantId: 'acme' }),
    );
    expect(e.message).toMatch(/^3 INVALID_ARGUMENT: .*tenant identifier 'acme'/);
  });

  it('rejects a deployment with no resources, or of an unknown kind (C7)', async () => {
    const zbc = h.client();
    expect((await rejectionOf(zbc.deployResources([]))).message).toMatch(
      /^3 INVALID_ARGUMENT: .*at least one resource/,
    );
    const e = await rejectionOf(zbc.deployResource({ name: 'notes.txt', process: Buffer.from('hello') }));
    expect(e.message).toMatch(/^3 INVALID_ARGUMENT: [\s\S]*'notes.txt': unsupported resource type/);
  });

  it('deploys several resources atomically: one broken resource deploys none (C7, C8)', async () => {
    const zbc = h.client();
    const broken = Buffer.from(
      fixture('parallel.bpmn')
        .toString()
        .replace('id="parallel"', 'id="atomic-check"')
        .replace('type="parallel.left"', 'type=""'),
    );
    const e = await rejectionOf(
      zbc.deployResources([
        {
          name: 'good.bpmn',
          process: Buffer.from(fixture('gateway.bpmn').toString().replace('id="gateway"', 'id="atomic-good"')),
        },
        { name: 'broken.bpmn', process: broken },
      ]),
    );
    expect(e.message).toMatch(
      /'broken.bpmn':\n- line \d+, element 'left': zeebe:taskDefinition type must not be empty/,
    );
    const after = await rejectionOf(zbc.createProcessInstance({ bpmnProcessId: 'atomic-good', variables: {} }));
    expect(after.message).toMatch(/^5 NOT_FOUND/);
  });

  it('rejects the same process id in two resources of one deployment (C9)', async () => {
    const e = await rejectionOf(
      h.client().deployResources([
        { name: 'a.bpmn', process: fixture('gateway.bpmn') },
        { name: 'b.bpmn', process: fixture('gateway.bpmn') },
      ]),
    );
    expect(e.message).toMatch(/Duplicated process id in resources 'a.bpmn' and 'b.bpmn'/);
  });

  it('redeploying older content still bumps the version (C9)', async () => {
    const zbc = h.client();
    const v1 = fixture('gateway.bpmn').toString().replace('id="gateway"', 'id="versions"');
    const v2 = v1.replace('amount &gt; 100', 'amount &gt; 200');
    const a = await zbc.deployResource({ name: 'versions.bpmn', process: Buffer.from(v1) });
    const b = await zbc.deployResource({ name: 'versions.bpmn', process: Buffer.from(v2) });
    const c = await zbc.deployResource({ name: 'versions.bpmn', process: Buffer.from(v1) });
    expect([a, b, c].map((d) => d.deployments[0]?.process.version)).toEqual([1, 2, 3]);
    expect(new Set([a, b, c].map((d) => d.deployments[0]?.process.processDefinitionKey)).size).toBe(3);
  });

  it('serves the deprecated DeployProcess (zeebe-node 8.3 clients) like DeployResource', async () => {
    const gateway = rawGateway(h.running.address);
    const request = { processes: [{ name: 'legacy.bpmn', definition: fixture('message-start.bpmn') }] };
    const first = await gateway.DeployProcess!(request);
    expect(first.processes).toEqual([
      expect.objectContaining({ bpmnProcessId: 'message-start', version: 1, resourceName: 'legacy.bpmn' }),
    ]);
    const again = await gateway.DeployProcess!(request); // unchanged: same definition, no new version
    expect(again.processes).toEqual(first.processes);
    await expect(
      gateway.DeployProcess!({ processes: [{ name: 'broken.bpmn', definition: Buffer.from('<bpmn:definitions') }] }),
    ).rejects.toThrow(/3 INVALID_ARGUMENT/);
  });

  it('creates instances by key, by id and version, and rejects unknown ones (C11)', async () => {
    const zbc = h.client();
    const d = await deployFixture(zbc, 'two-steps.bpmn');
    // The SDK creates by bpmnProcessId only; a raw client on the same proto creates by key.
    const byKey = await rawGateway(h.running.address).CreateProcessInstance!({
      processDefinitionKey: d.processDefinitionKey,
      variables: '{}',
    });
    expect(byKey.bpmnProcessId).toBe('two-steps');
    const byVersion = await zbc.createProcessInstance({
      bpmnProcessId: 'two-steps',
      version: d.version,
      variables: {},
    });
    expect(byVersion.processDefinitionKey).toBe(d.processDefinitionKey);
    expect(
      (await rejectionOf(zbc.createProcessInstance({ bpmnProcessId: 'no-such-process', variables: {} }))).message,
    ).toMatch(/^5 NOT_FOUND: .*'no-such-process'/);
    expect(
      (await rejectionOf(zbc.createProcessInstance({ bpmnProcessId: 'two-steps', version: 99, variables: {} })))
        .message,
    ).toMatch(/^5 NOT_FOUND: .*version '99'/);
  });

  it('refuses to start a process without a none start event (C11)', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'message-start.bpmn');
    const e = await rejectionOf(zbc.createProcessInstance({ bpmnProcessId: 'message-start', variables: {} }));
    expect(e.message).toMatch(/^9 FAILED_PRECONDITION: .*none start event/);
  });

  it('rejects variables that are not a JSON object (C11)', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'two-steps.bpmn');
    // The SDK refuses non-objects client-side; the engine must too, for other clients.
    const e = await rejectionOf(
      rawGateway(h.running.address).CreateProcessInstance!({
        bpmnProcessId: 'two-steps',
        version: -1,
        variables: '[1, 2]',
      }),
    );
    expect(e.message).toMatch(/^3 INVALID_ARGUMENT: .*root level object, but was 'ARRAY'/);
  });

  it('refuses a variables document nested deeper than 1000 levels at every entry, so it cannot poison a job type', async () => {
    const zbc = h.client();
    // two-steps under its own id and job types, so no other test's jobs are touched.
    const bpmn = readFileSync(join(import.meta.dirname, 'testdata/two-steps.bpmn'), 'utf8')
      .replace(/two-steps/g, 'deep-steps')
      .replace(/durable\./g, 'deep.');
    await zbc.deployResource({ name: 'deep-steps.bpmn', process: Buffer.from(bpmn) });
    const deep = (levels: number): string => `{"a":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    const create = (variables: string) =>
      rawGateway(h.running.address).CreateProcessInstance!({ bpmnProcessId: 'deep-steps', version: -1, variables });
    const e = await rejectionOf(create(deep(100_000)));
    expect(e.message).toMatch(/^3 INVALID_ARGUMENT: .*nested at most 1000 levels deep/);
    // Publish and SetVariables read documents the same way.
    const publish = await rejectionOf(
      rawGateway(h.running.address).PublishMessage!({
        name: 'm',
        correlationKey: 'k',
        timeToLive: 0,
        variables: deep(5000),
      }),
    );
    expect(publish.message).toMatch(/^3 INVALID_ARGUMENT: .*nested at most 1000 levels deep/);
    // 999 levels inside the root object are fine, and the job of that instance can still be activated.
    const ok = await create(deep(999));
    expect(ok).toMatchObject({ bpmnProcessId: 'deep-steps' });
    const jobs = await zbc.activateJobs({ type: 'deep.work', maxJobsToActivate: 10, timeout: 10_000, worker: 'deep' });
    expect(jobs).toHaveLength(1);
  });

  it('refuses a request over 4 MiB (Zeebe gateway’s default message size) with RESOURCE_EXHAUSTED, before reading it', async () => {
    const zbc = h.client();
    const big = Buffer.alloc(5 * 1024 * 1024, 'x');
    const e = await rejectionOf(zbc.deployResource({ name: 'big.bpmn', process: big }));
    expect(e.message).toMatch(/^8 RESOURCE_EXHAUSTED: .*larger than 4194304/);
  });

  it('starts at the elements of startInstructions instead of the start event (C11)', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'two-steps.bpmn');
    const i = await zbc.createProcessInstance({
      bpmnProcessId: 'two-steps',
      variables: {},
      startInstructions: [{ elementId: 'audit' }],
    });
    const jobs = await zbc.activateJobs({
      type: 'durable.audit',
      worker: 't',
      timeout: 10_000,
      maxJobsToActivate: 10,
      requestTimeout: -1,
    });
    expect(jobs.map((j) => j.processInstanceKey)).toContain(i.processInstanceKey);
    expect(h.history.get(i.processInstanceKey)).toMatchObject({ active: ['audit'], completed: [] }); // work never ran
  });

  it('returns only fetchVariables with the result, and DEADLINE_EXCEEDED when it takes too long (C12)', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'two-steps.bpmn');
    const slow = await rejectionOf(
      zbc.createProcessInstanceWithResult({ bpmnProcessId: 'two-steps', variables: {}, requestTimeout: 200 }),
    );
    expect(slow.message).toMatch(/^4 DEADLINE_EXCEEDED/);
    await deployFixture(zbc, 'gateway.bpmn');
    const r = await zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'gateway',
      variables: { amount: 5, other: 'x' },
      fetchVariables: ['amount'],
    });
    expect(r.variables).toEqual({ amount: 5 });
  });

  it('cancels an instance with its jobs; a second cancel is NOT_FOUND (C13)', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'parallel.bpmn');
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'parallel', variables: {} });
    const [job] = await zbc.activateJobs({
      type: 'parallel.left',
      worker: 't',
      timeout: 10_000,
      maxJobsToActivate: 1,
      requestTimeout: -1,
    });
    await zbc.cancelProcessInstance(i.processInstanceKey);
    expect((await rejectionOf(zbc.completeJob({ jobKey: job!.key, variables: {} }))).message).toMatch(/^5 NOT_FOUND/);
    expect(
      await zbc.activateJobs({
        type: 'parallel.right',
        worker: 't',
        timeout: 10_000,
        maxJobsToActivate: 10,
        requestTimeout: -1,
      }),
    ).toEqual([]);
    expect((await rejectionOf(zbc.cancelProcessInstance(i.processInstanceKey))).message).toMatch(/^5 NOT_FOUND/);
    expect(await h.ended(i.processInstanceKey)).toMatchObject({
      state: 'TERMINATED',
      endEvents: [],
      completed: ['start', 'fork'],
    });
    expect(await h.api(`/v1/process-instances/${i.processInstanceKey}`)).toMatchObject({
      error: expect.stringContaining('not found') as unknown,
    });
  });
});
