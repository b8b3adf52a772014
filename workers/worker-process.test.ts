// procos-worker as a real process against a real procos-engine: SIGTERM in the middle of a burst
// loses nothing and finishes nothing twice; /metrics, /ready and /health answer as probes expect.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitUntil, type Harness } from '../engine/testing/engine-harness.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { startWorkerProcess, type WorkerProcess } from './testing/worker-process.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startWorker(address: string, args: string[]): WorkerProcess {
  const w = startWorkerProcess(address, args);
  children.push(w.child);
  return w;
}

async function httpPortOf(w: WorkerProcess): Promise<number> {
  const serving = await waitUntil(
    'the worker to log "serving"',
    () => w.logs.find((l) => l.msg === 'serving'),
    (l): l is Record<string, unknown> => l !== undefined,
  );
  return serving.httpPort as number;
}

function poolFile(dir: string, maxJobsActive: number, timeoutSeconds = 3600): string {
  const file = join(dir, 'pool.yaml');
  writeFileSync(
    file,
    `apiVersion: procos.io/v1alpha1
kind: WorkerPool
metadata: { name: burst }
spec:
  taskTypes: [work.item]
  maxJobsActive: ${maxJobsActive}
  handlers:
    - taskType: work.item
      adapter: format
      timeoutSeconds: ${timeoutSeconds}
      config: { template: 'item {{ i }}', output: done }
`,
  );
  return file;
}

describe('procos-worker process on procos-engine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.client().deployResource({
      name: 'one-task.bpmn',
      process: readFileSync(join(import.meta.dirname, 'testdata/one-task.bpmn')),
    });
  });
  afterAll(async () => h.stop());

  it('SIGTERM mid-burst: the worker drains and exits 0, the next worker finishes the rest, every job completes exactly once', async () => {
    const pool = poolFile(tempDir('procos-worker-burst-'), 4);
    const zbc = h.client();
    const keys: string[] = [];
    for (let i = 0; i < 150; i++)
      keys.push((await zbc.createProcessInstance({ bpmnProcessId: 'one-task', variables: { i } })).processInstanceKey);
    const completed = (): number => keys.filter((k) => h.history.get(k)?.state === 'COMPLETED').length;

    const a = startWorker(h.running.address, ['--pool', pool, '--http-port', '0']);
    await waitUntil('worker A to complete some jobs', completed, (n) => n >= 20);
    a.child.kill('SIGTERM');
    expect(await a.closed).toBe(0);
    const drained = a.logs.find((l) => l.msg === 'drained');
    expect(drained).toMatchObject({ finished: expect.any(Number) as number, handedBack: expect.any(Number) as number });
    const doneByA = completed();
    expect(doneByA).toBeLessThan(keys.length); // it really stopped mid-burst

    const b = startWorker(h.running.address, ['--pool', pool, '--http-port', '0']);
    for (const [i, key] of keys.entries())
      expect(await h.outcome(key)).toMatchObject({ state: 'COMPLETED', variables: { i, done: `item ${i}` } });
    // Exactly once: each instance passed its one task once, and no job is left anywhere.
    for (const key of keys) expect(h.history.get(key)?.completed.filter((e) => e === 'work')).toEqual(['work']);
    const left = await zbc.activateJobs({
      type: 'work.item',
      worker: 'check',
      maxJobsToActivate: 100,
      timeout: 1000,
      requestTimeout: -1,
    });
    expect(left).toEqual([]);
    b.child.kill('SIGTERM');
    expect(await b.closed).toBe(0);
  });

  it('kill -9 mid-burst loses nothing: jobs the dead worker held come back at their timeout and complete once', async () => {
    const pool = poolFile(tempDir('procos-worker-crash-'), 4, 2); // the engine re-offers held jobs after 2 s
    const zbc = h.client();
    const keys: string[] = [];
    for (let i = 0; i < 60; i++)
      keys.push((await zbc.createProcessInstance({ bpmnProcessId: 'one-task', variables: { i } })).processInstanceKey);
    const completed = (): number => keys.filter((k) => h.history.get(k)?.state === 'COMPLETED').length;
    const a = startWorker(h.running.address, ['--pool', pool, '--http-port', '0']);
    await waitUntil('worker A to complete some jobs', completed, (n) => n >= 10);
    a.child.kill('SIGKILL');
    await a.closed;
    expect(completed()).toBeLessThan(keys.length);
    const b = startWorker(h.running.address, ['--pool', pool, '--http-port', '0']);
    for (const [i, key] of keys.entries())
      expect(await h.outcome(key)).toMatchObject({ state: 'COMPLETED', variables: { i, done: `item ${i}` } });
    for (const key of keys) expect(h.history.get(key)?.completed.filter((e) => e === 'work')).toEqual(['work']);
    b.child.kill('SIGTERM');
    expect(await b.closed).toBe(0);
  });

  it('serves /metrics with the seed names, /ready while connected, and /health', async () => {
    const pool = poolFile(tempDir('procos-worker-probes-'), 8);
    const w = startWorker(h.running.address, ['--pool', pool, '--http-port', '0']);
    const port = await httpPortOf(w);
    const get = async (path: string): Promise<{ status: number; body: string }> => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, body: await res.text() };
    };
    expect(await get('/health')).toEqual({ status: 200, body: '{"status":"ok"}' });
    const ready = await get('/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      status: 'ready',
      checks: [
        { name: 'engine', ok: true },
        { name: 'work.item (format)', ok: true },
      ],
    });

    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'one-task', variables: { i: 7 } });
    expect(await h.outcome(i.processInstanceKey)).toMatchObject({ state: 'COMPLETED' });
    const labels = 'task_topic="work.item",worker_type="format"';
    const metrics = await waitUntil(
      'the completed job in /metrics',
      async () => (await get('/metrics')).body,
      (text) => text.includes(`procos_worker_jobs_completed_total{${labels}} 1`),
    );
    expect(metrics).toContain(`procos_external_task_duration_seconds_bucket{le="0.1",${labels}}`);
    expect(metrics).toContain(`procos_external_task_duration_seconds_bucket{le="60",${labels}}`);
    expect(metrics).toContain(`procos_external_task_duration_seconds_count{${labels}} 1`);
    expect(metrics).toContain('procos_active_workers{worker_type="format"} 1');
    expect(metrics).toContain(`procos_worker_jobs_activated_total{${labels}} 1`);
    expect(metrics).toContain(`procos_worker_saturation_ratio{${labels}} 0`);

    w.child.kill('SIGTERM');
    expect(await w.closed).toBe(0);
  });
});
