// Job statistics as a projection of committed events (pure logic: a fake engine's clock and
// events): minute buckets, windows, what a restarted engine knows, and the day they are kept.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../processor/engine.js';
import type { EngineEvent } from '../state/events.js';
import { JobStatistics } from './job-statistics.js';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const MIN = 60_000;

function fakeEngine(jobs: { key: number; type: string }[] = []): Engine & EventEmitter & { now: number } {
  const e = new EventEmitter() as unknown as Engine & EventEmitter & { now: number };
  e.now = T0;
  Object.assign(e, { clock: () => e.now, state: { jobs: new Map(jobs.map((j) => [j.key, j])) } });
  return e;
}

const created = (key: number, jobType: string): EngineEvent => ({
  type: 'JOB_CREATED',
  key,
  jobType,
  retries: 3,
  customHeaders: {},
  elementInstanceKey: key - 1,
  elementId: 'task',
  processInstanceKey: 1,
  processDefinitionKey: 1,
  bpmnProcessId: 'p',
  version: 1,
  createdAt: T0,
});

describe('JobStatistics', () => {
  it('counts per job type and minute, and a window takes the minutes that start in it', () => {
    const engine = fakeEngine();
    const stats = new JobStatistics(engine);
    engine.emit('committed', [created(10, 'a'), { type: 'JOB_ACTIVATED', key: 10, worker: 'w1', deadline: 0 }]);
    engine.now = T0 + 90_000; // the next minute
    engine.emit('committed', [
      { type: 'JOB_FAILED', key: 10, retries: 2, errorMessage: 'x', retryAt: 0 },
      { type: 'JOB_COMPLETED', key: 10 },
      created(20, 'b'),
    ]);
    expect(stats.byType(T0, T0 + 2 * MIN)).toEqual([
      {
        jobType: 'a',
        created: { count: 1, lastUpdatedAt: new Date(T0).toISOString() },
        completed: { count: 1, lastUpdatedAt: new Date(T0 + 90_000).toISOString() },
        failed: { count: 1, lastUpdatedAt: new Date(T0 + 90_000).toISOString() },
        workers: 1,
      },
      expect.objectContaining({ jobType: 'b', created: { count: 1, lastUpdatedAt: expect.any(String) as string } }),
    ]);
    // Only the first minute: the creation of a, nothing of what came after.
    expect(stats.byType(T0, T0 + MIN)).toEqual([
      expect.objectContaining({ jobType: 'a', created: expect.objectContaining({ count: 1 }) as object }),
    ]);
    expect(stats.byType(T0, T0 + MIN)[0]?.completed).toEqual({ count: 0, lastUpdatedAt: null });
    expect(stats.global(T0, T0 + 2 * MIN)).toMatchObject({ created: { count: 2 }, completed: { count: 1 } });
    expect(stats.global(T0, T0 + 2 * MIN, 'b')).toMatchObject({ created: { count: 1 }, completed: { count: 0 } });
  });

  it('knows the type of jobs recovered from before a restart', () => {
    const engine = fakeEngine([{ key: 30, type: 'old' }]);
    const stats = new JobStatistics(engine);
    engine.emit('committed', [{ type: 'JOB_COMPLETED', key: 30 }]);
    expect(stats.byType(T0, T0 + MIN)[0]).toMatchObject({ jobType: 'old', completed: { count: 1 } });
    // It can speak only from when it started.
    expect(stats.incomplete(T0 - MIN)).toBe(true);
    expect(stats.incomplete(T0)).toBe(false);
  });

  it('keeps a day', () => {
    const engine = fakeEngine();
    const stats = new JobStatistics(engine);
    engine.emit('committed', [created(10, 'a')]);
    engine.now = T0 + 25 * 60 * MIN;
    engine.emit('committed', [created(11, 'a')]);
    expect(stats.byType(0, Number.MAX_SAFE_INTEGER)[0]?.created.count).toBe(1);
    expect(stats.incomplete(T0 + 30 * MIN)).toBe(true);
  });
});
