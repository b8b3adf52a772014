// The runtime against a real procos-engine through the official SDK: the sample pool serves
// processes/hello.bpmn to its result; outcomes map to complete / ThrowError / FailJob.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deployFixture, incidentOf, startHarness, type Harness } from '../engine/testing/engine-harness.js';
import { projectRoot } from '../lib/cli/version.js';
import { BpmnError, TransientError } from './adapters/index.js';
import { runHandler, startJobWorkers } from './job-runtime.js';
import { testJobContext } from './testing/job-context.js';
import { bindPool, type LoadedPool } from './pool-config.js';

const silent = pino({ level: 'silent' });
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
