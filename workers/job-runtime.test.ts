// The runtime against a real procos-engine through the official SDK: the sample pool serves
// processes/hello.bpmn to its result; outcomes map to complete / ThrowError / FailJob.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deployFixture, incidentOf, startHarness, waitUntil, type Harness } from '../engine/testing/engine-harness.js';
import { gatewayService } from '../engine/server/gateway-service.js';
import { startGrpcServer } from '../engine/server/grpc-server.js';
import { projectRoot } from '../lib/cli/version.js';
import { sdkClient } from '../lib/zeebe/sdk-client.js';
import { BpmnError, TransientError, type JobRun } from './adapters/index.js';
import { runHandler, startJobWorkers as startWorkers, type JobWorkers } from './job-runtime.js';
import { testJobContext, testPolicy } from './testing/job-context.js';
import { bindPool, type LoadedPool } from './pool-config.js';
import { SecretStore } from './secrets.js';

const silent = pino({ level: 'silent' });
const here = import.meta.dirname;
const context = testJobContext();

/** A pool with one handler, for the tests that need a type the sample does not serve. */
function onePool(taskType: string, adapter: string, config: Record<string, unknown>): LoadedPool {
  return pool({
    apiVersion: 'procos.io/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name: `${adapter}-pool` },
    spec: { taskTypes: [taskType], handlers: [{ taskType, adapter, config }] },
  });
}

function pool(doc: unknown): LoadedPool {
  const r = bindPool(doc);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.pool;
}

describe('outcome mapping (runHandler)', () => {
  it('completes with the variables the adapter returns', async () => {
    expect(await runHandler({ retries: 3, run: () => Promise.resolve({ x: 1 }) }, {}, context, 1)).toEqual({
      kind: 'complete',
      variables: { x: 1 },
    });
  });

  it('routes a BpmnError by its code, without retrying', async () => {
    let calls = 0;
    const run = () => {
      calls++;
      return Promise.reject(new BpmnError('VALIDATION_FAILED', 'amount: must be >= 0'));
    };
    expect(await runHandler({ retries: 3, run }, {}, context, 1)).toEqual({
      kind: 'error',
      code: 'VALIDATION_FAILED',
      message: 'amount: must be >= 0',
    });
    expect(calls).toBe(1);
  });

  it('retries a transient failure locally, then fails the job back with one retry less', async () => {
    let calls = 0;
    const flaky = () =>
      ++calls < 3 ? Promise.reject(new TransientError('503 from upstream')) : Promise.resolve({ ok: true });
    expect(await runHandler({ retries: 2, run: flaky }, {}, context, 1)).toEqual({
      kind: 'complete',
      variables: { ok: true },
    });
    calls = 0;
    const down = () => {
      calls++;
      return Promise.reject(new TransientError('connect ECONNREFUSED'));
    };
    expect(await runHandler({ retries: 2, run: down }, {}, context, 1)).toEqual({
      kind: 'fail',
      message: 'connect ECONNREFUSED',
      retriesLeft: 'one less',
    });
    expect(calls).toBe(3);
  });

  it('fails any other error with no retries left, so an incident carries the message', async () => {
    expect(
      await runHandler({ retries: 5, run: () => Promise.reject(new Error('script error')) }, {}, context, 1),
    ).toEqual({
      kind: 'fail',
      message: 'script error',
      retriesLeft: 'none',
    });
  });
});

/** Every runtime a test starts is closed after it, so none polls a stopped engine. */
const started: JobWorkers[] = [];
const startJobWorkers = (...args: Parameters<typeof startWorkers>): JobWorkers => {
  const w = startWorkers(...args);
  started.push(w);
  return w;
};
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.close()));
});

describe('procos-worker job runtime on procos-engine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  it('serves the sample pool: processes/hello.bpmn runs to its result', async () => {
    const zbc = h.client();
    await zbc.deployResource({
      name: 'hello.bpmn',
      process: readFileSync(join(projectRoot(), 'processes/hello.bpmn')),
    });
    const sample = ['workerpool.yaml', 'sandboxpolicy.yaml'].map(
      (f) => parse(readFileSync(join(projectRoot(), 'processes/samples', f), 'utf8')) as unknown,
    );
    startJobWorkers(h.client(), pool(sample), silent);
    const result = await zbc.createProcessInstanceWithResult({ bpmnProcessId: 'hello', variables: { name: 'Ada' } });
    expect(result.variables).toEqual({ name: 'Ada', greeting: 'Hello, Ada!', reply: 'Hello, Ada! (short reply)' });
    expect(await h.outcome(result.processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
  });

  it('a permanent adapter failure becomes an incident with the message and no retries left', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'two-steps.bpmn');
    startJobWorkers(h.client(), onePool('durable.work', 'format', { template: 'not json', as: 'json' }), silent);
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: {} });
    const incident = await incidentOf(h, i.processInstanceKey);
    expect(incident).toMatchObject({ errorType: 'JOB_NO_RETRIES', elementId: 'work' });
    expect(incident.errorMessage).toMatch(/^format: the rendered template is not JSON \(as: json\)/);
  });

  it('secret values never leave the worker: completed variables and incident messages carry [redacted]', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'two-steps.bpmn');
    const secrets = new SecretStore(undefined, { AUDIT_TOKEN: 's3cr3t-token-value' });
    const doc = (template: string, as = 'text') => ({
      apiVersion: 'procos.io/v1alpha1',
      kind: 'WorkerPool',
      metadata: { name: 'secret-pool' },
      spec: {
        taskTypes: ['durable.work', 'durable.audit'],
        handlers: [
          { taskType: 'durable.work', adapter: 'format', config: { template, output: 'header' } },
          { taskType: 'durable.audit', adapter: 'format', config: { template: 'Bearer {{secrets.AUDIT_TOKEN}}', as } },
        ],
      },
    });
    const bound = bindPool(doc('token={{secrets.AUDIT_TOKEN}}'), { secrets });
    if (!bound.ok) throw new Error(bound.errors.join('; '));
    startJobWorkers(h.client(), bound.pool, silent);
    const ok = await zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: {} });
    expect(await h.outcome(ok.processInstanceKey)).toMatchObject({
      state: 'COMPLETED',
      variables: { header: 'token=[redacted]', formatted: 'Bearer [redacted]' },
    });
  });

  it('a VALIDATION_FAILED from the validate adapter is routed by the BPMN (error boundary), valid input goes on', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'error-boundary.bpmn');
    startJobWorkers(
      h.client(),
      onePool('errors.fetch', 'validate', {
        schema: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
      }),
      silent,
    );
    const bad = await zbc.createProcessInstance({ bpmnProcessId: 'error-boundary', variables: { id: 'x' } });
    expect(await h.outcome(bad.processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['handled-other'] });
    const good = await zbc.createProcessInstance({ bpmnProcessId: 'error-boundary', variables: { id: 7 } });
    expect(await h.outcome(good.processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['done'] });
  });
});

/** A handler that holds every job until the test opens the gate, and records what it saw. */
function gatedPool(maxJobsActive: number) {
  const gate = {
    open: false,
    waiters: [] as (() => void)[],
    current: 0,
    most: 0,
    finished: [] as string[],
    aborted: [] as string[],
  };
  const run: JobRun = async (_variables, ctx) => {
    gate.current++;
    gate.most = Math.max(gate.most, gate.current);
    try {
      await new Promise<void>((resolve, reject) => {
        if (gate.open) return resolve();
        gate.waiters.push(resolve);
        ctx.signal.addEventListener('abort', () => {
          gate.aborted.push(ctx.jobKey);
          reject(ctx.signal.reason as Error);
        });
      });
      gate.finished.push(ctx.jobKey);
      return { doneBy: 'gate' };
    } finally {
      gate.current--;
    }
  };
  const pool: LoadedPool = {
    name: 'gated',
    maxJobsActive,
    policy: testPolicy(),
    policyName: undefined,
    secrets: new SecretStore(undefined),
    handlers: [
      {
        taskType: 'work.item',
        adapter: 'format',
        retries: 0,
        timeoutSeconds: 3600, // a job left to time out would stall the test, not pass it
        run,
        start: () => Promise.resolve(),
        healthCheck: () => Promise.resolve(),
        fetchVariables: undefined,
      },
    ],
  };
  const openGate = (): void => {
    gate.open = true;
    for (const w of gate.waiters.splice(0)) w();
  };
  return { pool, gate, openGate };
}

describe('procos-worker job flow and drain on procos-engine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h
      .client()
      .deployResource({ name: 'one-task.bpmn', process: readFileSync(join(here, 'testdata/one-task.bpmn')) });
  });
  afterAll(async () => h.stop());

  async function startInstances(n: number): Promise<string[]> {
    const zbc = h.client();
    const keys: string[] = [];
    for (let i = 0; i < n; i++)
      keys.push((await zbc.createProcessInstance({ bpmnProcessId: 'one-task', variables: { i } })).processInstanceKey);
    return keys;
  }

  for (const flow of ['stream', 'poll'] as const)
    it(`${flow}: never works on more than maxJobsActive jobs at once, and a burst all completes`, async () => {
      const { pool, gate, openGate } = gatedPool(3);
      const keys = await startInstances(10);
      startJobWorkers(h.client(), pool, silent, { flow });
      await waitUntil(
        '3 jobs running',
        () => gate.current,
        (n) => n === 3,
      );
      openGate();
      for (const key of keys)
        expect(await h.outcome(key)).toMatchObject({ state: 'COMPLETED', variables: { doneBy: 'gate' } });
      expect(gate.most).toBe(3);
      expect(gate.finished).toHaveLength(10);
    });

  it('drain: jobs not started go back at once, running ones finish within the grace period, the next worker does the rest', async () => {
    const a = gatedPool(2);
    const keys = await startInstances(6);
    const workerA = startJobWorkers(h.client(), a.pool, silent);
    await waitUntil(
      '2 jobs running on worker A',
      () => a.gate.current,
      (n) => n === 2,
    );
    const drained = workerA.drain(3_600_000);
    a.openGate(); // the running two finish inside the grace period
    expect(await drained).toEqual({ finished: 2, handedBack: expect.any(Number) as number });
    expect(a.gate.finished).toHaveLength(2);

    const b = gatedPool(4);
    b.openGate();
    startJobWorkers(h.client(), b.pool, silent);
    for (const key of keys) expect(await h.outcome(key)).toMatchObject({ state: 'COMPLETED' });
    // Each job was worked to its end exactly once: two by A, the other four by B.
    expect(b.gate.finished).toHaveLength(4);
    expect(new Set([...a.gate.finished, ...b.gate.finished]).size).toBe(6);
  });

  it('drain: jobs still running when the grace period ends are aborted and given back with their retries unchanged', async () => {
    const a = gatedPool(2);
    const keys = await startInstances(3);
    const workerA = startJobWorkers(h.client(), a.pool, silent);
    await waitUntil(
      '2 jobs running on worker A',
      () => a.gate.current,
      (n) => n === 2,
    );
    const report = await workerA.drain(0);
    expect(report.finished).toBe(0);
    expect(report.handedBack).toBeGreaterThanOrEqual(2);
    expect(a.gate.aborted).toHaveLength(2);
    // All three are activatable again at once — none waits for its one-hour timeout — with the
    // retries they had (the BPMN says 3): a hand-back is not a failed attempt.
    const zbc = h.client();
    const jobs = await zbc.activateJobs({
      type: 'work.item',
      worker: 'test',
      maxJobsToActivate: 10,
      timeout: 60_000,
      requestTimeout: 10_000,
    });
    expect(jobs.map((j) => j.retries)).toEqual([3, 3, 3]);
    for (const j of jobs) await zbc.completeJob({ jobKey: j.key, variables: {} });
    for (const key of keys) expect(await h.outcome(key)).toMatchObject({ state: 'COMPLETED' });
  });
});

describe('procos-worker against a gateway without job streaming (Zeebe before 8.3)', () => {
  it('--job-flow stream falls back to long polling, says so once, and keeps completing jobs', async () => {
    const h = await startHarness();
    // The same engine behind a second gateway that lacks StreamActivatedJobs: grpc-js answers
    // UNIMPLEMENTED for it, as an old Zeebe gateway does.
    const { StreamActivatedJobs: _dropped, ...older } = gatewayService({
      engine: h.running.engine,
      dispatcher: h.running.dispatcher,
      log: silent,
      host: '127.0.0.1',
      port: () => 0,
    });
    const old = await startGrpcServer(older, '127.0.0.1', 0);
    try {
      const zbc = sdkClient(`127.0.0.1:${old.port}`);
      await zbc.deployResource({ name: 'one-task.bpmn', process: readFileSync(join(here, 'testdata/one-task.bpmn')) });
      const lines: { msg?: string }[] = [];
      const log = pino(
        { level: 'warn' },
        { write: (line: string) => lines.push(JSON.parse(line) as { msg?: string }) },
      );
      const { pool, openGate } = gatedPool(4);
      openGate();
      startJobWorkers(zbc, pool, log, { flow: 'stream' });
      for (let i = 0; i < 3; i++) {
        const { processInstanceKey } = await zbc.createProcessInstance({ bpmnProcessId: 'one-task', variables: { i } });
        expect(await h.outcome(processInstanceKey)).toMatchObject({
          state: 'COMPLETED',
          variables: { doneBy: 'gate' },
        });
      }
      await waitUntil(
        'the fallback warning',
        () => lines.filter((l) => l.msg === 'the gateway does not support job streaming: long polling only'),
        (w) => w.length === 1,
      );
      await zbc.close(1000);
    } finally {
      old.server.forceShutdown();
      await Promise.all(started.splice(0).map((w) => w.close()));
      await h.stop();
    }
  });
});
