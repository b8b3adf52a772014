// Fake timers drive every delay (Date.now and setTimeout alike): the assertions are on the
// delays the queue chose, never on how fast this machine happens to be.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Workqueue } from './workqueue.js';

/** A promise the test settles by hand: a reconcile that is "in flight" until the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('workqueue', () => {
  it('de-duplicates a key added many times while it waits', async () => {
    const seen: string[] = [];
    const busy = gate();
    const q = new Workqueue(
      async (k) => {
        seen.push(k);
        if (k === 'busy') await busy.promise;
      },
      { concurrency: 1 },
    );
    q.add('busy'); // occupies the only worker, so the adds below wait in the queue
    for (let i = 0; i < 5; i++) q.add('a');
    q.add('b');
    expect(q.depth).toBe(2);
    busy.open();
    await q.idle();
    expect(seen).toEqual(['busy', 'a', 'b']);
  });

  it('never runs one key twice at once; a change meanwhile runs it again after', async () => {
    let running = 0;
    let maxRunning = 0;
    const gates = [gate(), gate()];
    let runs = 0;
    const q = new Workqueue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await gates[runs++]?.promise;
        running--;
      },
      { concurrency: 4 },
    );
    q.add('a');
    q.add('a'); // while the first run is in flight: marked dirty, not run in parallel
    expect(runs).toBe(1);
    gates[0]?.open();
    await vi.waitFor(() => expect(runs).toBe(2));
    gates[1]?.open();
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('retries a failing key with exponentially growing delays while other keys go on', async () => {
    const done: string[] = [];
    const delays: number[] = [];
    let attempts = 0;
    const q = new Workqueue(
      (k) => {
        if (k === 'bad') {
          attempts++;
          return Promise.reject(new Error('boom'));
        }
        done.push(k);
        return Promise.resolve(undefined);
      },
      { concurrency: 1, baseDelayMs: 20, maxDelayMs: 100 },
      (_key, _err, retryInMs) => delays.push(retryInMs),
    );
    q.add('bad');
    q.add('good');
    await q.idle();
    expect(done).toEqual(['good']);
    expect(attempts).toBe(1);
    // Nothing runs before its delay is up…
    await vi.advanceTimersByTimeAsync(19);
    expect(attempts).toBe(1);
    // …and each retry waits twice as long as the one before, up to the cap.
    await vi.advanceTimersByTimeAsync(1 + 40 + 80 + 100 + 100);
    expect(attempts).toBe(6);
    expect(delays).toEqual([20, 40, 80, 100, 100, 100]);
    await q.stop();
  });

  it('forgets the backoff of a key once it succeeds', async () => {
    const delays: number[] = [];
    let fail = 2;
    const q = new Workqueue(
      () => (fail-- > 0 ? Promise.reject(new Error('boom')) : Promise.resolve(undefined)),
      { concurrency: 1, baseDelayMs: 10 },
      (_key, _err, retryInMs) => delays.push(retryInMs),
    );
    q.add('k');
    await vi.advanceTimersByTimeAsync(10 + 20);
    expect(delays).toEqual([10, 20]);
    fail = 1;
    q.add('k');
    await vi.advanceTimersByTimeAsync(0);
    expect(delays).toEqual([10, 20, 10]);
    await q.stop();
  });

  it('limits the retries of many failing keys together, not fresh work', async () => {
    const fresh: string[] = [];
    const retriedAt: number[] = [];
    const failedOnce = new Set<string>();
    const started = Date.now();
    const q = new Workqueue(
      (k) => {
        if (k.startsWith('bad') && !failedOnce.has(k)) {
          failedOnce.add(k);
          return Promise.reject(new Error('boom'));
        }
        if (k.startsWith('bad')) retriedAt.push(Date.now() - started);
        else fresh.push(k);
        return Promise.resolve(undefined);
      },
      { concurrency: 4, baseDelayMs: 1, qps: 20, burst: 2 },
    );
    for (let i = 0; i < 6; i++) q.add(`bad-${i}`);
    for (let i = 0; i < 50; i++) q.add(`good-${i}`);
    await q.idle();
    // 50 fresh keys, far more than the burst, ran without the clock moving: none waited for tokens.
    expect(fresh).toHaveLength(50);
    expect(retriedAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    // 6 retries through a bucket of 2 refilled at 20/s: two at once, then one every 50 ms.
    expect(retriedAt).toEqual([1, 1, 50, 100, 150, 200]);
    await q.stop();
  });

  it('runs a key again after the delay its reconcile asked for', async () => {
    let runs = 0;
    const q = new Workqueue(() => Promise.resolve(++runs === 1 ? { requeueAfterMs: 5000 } : undefined), {
      concurrency: 1,
    });
    q.add('k');
    await vi.advanceTimersByTimeAsync(4999);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
    await q.stop();
  });
});
