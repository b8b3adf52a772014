// The job counters as the worker's registry serves them, against a real procos-engine: every
// outcome counter of a handler exists at 0 from its start, and each job ends in exactly one of
// completed / failed / errored — so the chart's failure rate, failed ÷ all three, is computable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentOf, startHarness, waitUntil, type Harness } from '../engine/testing/engine-harness.js';
import { BpmnError, type JobRun } from './adapters/index.js';
import { startJobWorkers, type JobWorkers } from './job-runtime.js';
import type { LoadedPool } from './pool-config.js';
import { SecretStore } from './secrets.js';
import { testPolicy } from './testing/job-context.js';

const LABELS = 'task_topic="work.item",worker_type="format"';
const OUTCOMES = ['activated', 'completed', 'failed', 'errored', 'handed_back'] as const;

/** Ends each job as its `outcome` variable says. */
const run: JobRun = (variables) => {
  if (variables.outcome === 'fail') return Promise.reject(new Error('the disk is full'));
  if (variables.outcome === 'error') return Promise.reject(new BpmnError('REFUSED', 'not today'));
  return Promise.resolve({ done: true });
};

const pool: LoadedPool = {
  name: 'outcomes',
  maxJobsActive: 4,
  policy: testPolicy(),
  policyName: undefined,
  secrets: new SecretStore(undefined),
  handlers: [
    {
      taskType: 'work.item',
      adapter: 'format',
      retries: 0,
      timeoutSeconds: 3600,
      run,
      start: () => Promise.resolve(),
      healthCheck: () => Promise.resolve(),
      fetchVariables: undefined,
    },
  ],
};

describe('the worker job counters', () => {
  let h: Harness;
  let workers: JobWorkers;
  const counts = async (): Promise<Record<(typeof OUTCOMES)[number], number | undefined>> => {
    const text = await workers.metrics.registry.metrics();
    const value = (outcome: string): number | undefined => {
      const m = new RegExp(`^procos_worker_jobs_${outcome}_total\\{${LABELS}\\} (\\S+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    return Object.fromEntries(OUTCOMES.map((o) => [o, value(o)])) as Record<(typeof OUTCOMES)[number], number>;
  };

  beforeAll(async () => {
    h = await startHarness();
    await h.client().deployResource({
      name: 'one-task.bpmn',
      process: readFileSync(join(import.meta.dirname, 'testdata/one-task.bpmn')),
    });
    workers = startJobWorkers(h.client(), pool, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await workers.close();
    await h.stop();
  });

  it('reports every outcome at 0 before the first job, so a type that never failed has a failure rate of 0', async () => {
    expect(await counts()).toEqual({ activated: 0, completed: 0, failed: 0, errored: 0, handed_back: 0 });
  });

  it('counts each job once under the outcome it ended with', async () => {
    const zbc = h.client();
    const start = (outcome: string) => zbc.createProcessInstance({ bpmnProcessId: 'one-task', variables: { outcome } });
    const ok = await start('complete');
    const failed = await start('fail');
    const errored = await start('error');
    expect(await h.outcome(ok.processInstanceKey)).toMatchObject({ state: 'COMPLETED' });
    expect(await incidentOf(h, failed.processInstanceKey)).toMatchObject({ errorType: 'JOB_NO_RETRIES' });
    expect(await incidentOf(h, errored.processInstanceKey)).toMatchObject({ errorType: 'UNHANDLED_ERROR_EVENT' });
    const c = await waitUntil(
      'three outcomes counted',
      counts,
      (n) => (n.completed ?? 0) + (n.failed ?? 0) + (n.errored ?? 0) === 3,
    );
    expect(c).toEqual({ activated: 3, completed: 1, failed: 1, errored: 1, handed_back: 0 });
    // What the alert computes: failed ÷ (completed + failed + errored).
    expect(c.failed! / (c.completed! + c.failed! + c.errored!)).toBeCloseTo(1 / 3);
  });
});
