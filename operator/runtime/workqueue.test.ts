import { describe, expect, it } from 'vitest';
import { Workqueue } from './workqueue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('workqueue', () => {
  it('de-duplicates a key added many times while it waits', async () => {
    const seen: string[] = [];
    const q = new Workqueue(
      async (k) => {
        seen.push(k);
        if (k === 'busy') await sleep(30);
      },
      { concurrency: 1 },
    );
    q.add('busy'); // occupies the only worker, so the adds below wait in the queue
    for (let i = 0; i < 5; i++) q.add('a');
    q.add('b');
    await sleep(60);
    await q.idle();
    expect(seen).toEqual(['busy', 'a', 'b']);
  });

  it('never runs one key twice at once; a change meanwhile runs it again after', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const q = new Workqueue(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(30);
        running--;
      },
      { concurrency: 4 },
    );
    q.add('a');
    await sleep(5);
    q.add('a');
    q.add('a');
    await sleep(100);
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('retries a failing key with growing delays while other keys go on', async () => {
    const attempts: number[] = [];
    const done: string[] = [];
    const q = new Workqueue(
      (k) => {
        if (k === 'bad') {
          attempts.push(Date.now());
          return Promise.reject(new Error('boom'));
        }
        done.push(k);
        return Promise.resolve(undefined);
      },
      { concurrency: 1, baseDelayMs: 20, maxDelayMs: 1000 },
    );
    q.add('bad');
    q.add('good');
    await sleep(200);
    await q.stop();
    expect(done).toEqual(['good']);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] ?? 0));
    expect(gaps[1]!).toBeGreaterThan(gaps[0]! * 1.5);
  });

  it('limits the retries of many failing keys together, not fresh work', async () => {
    const fresh: number[] = [];
    const retries: number[] = [];
    const failedOnce = new Set<string>();
    const started = Date.now();
    const q = new Workqueue(
      (k) => {
        if (k.startsWith('bad') && !failedOnce.has(k)) {
          failedOnce.add(k);
          return Promise.reject(new Error('boom'));
        }
        (k.startsWith('bad') ? retries : fresh).push(Date.now() - started);
        return Promise.resolve(undefined);
      },
      { concurrency: 4, baseDelayMs: 1, qps: 20, burst: 2 },
    );
    for (let i = 0; i < 6; i++) q.add(`bad-${i}`);
    for (let i = 0; i < 50; i++) q.add(`good-${i}`);
    await sleep(50);
    expect(fresh).toHaveLength(50); // 50 fresh keys, far more than the burst: none waited for tokens
    await sleep(400);
    await q.idle();
    // 6 retries through a bucket of 2 refilled at 20/s: the last one waits ~4/20 s.
    expect(retries).toHaveLength(6);
    expect(Math.max(...retries)).toBeGreaterThanOrEqual(180);
  });
});
