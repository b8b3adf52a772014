import { describe, expect, it } from 'vitest';
import { BacklogUnavailable, type BacklogSource } from '../../engine-client/backlog-source.js';
import { BacklogCache } from './backlog-cache.js';

/** A source over an in-memory table that counts its reads (pure logic under test: the cache). */
function tableSource(table: Record<string, number>, fail?: { now: boolean }) {
  const reads: string[][] = [];
  const source: BacklogSource = {
    description: 'table',
    read(types) {
      reads.push([...types]);
      if (fail?.now) return Promise.reject(new BacklogUnavailable('table', 'down'));
      const byType = Object.fromEntries(types.map((t) => [t, table[t] ?? 0]));
      return Promise.resolve({ byType, total: Object.values(byType).reduce((a, b) => a + b, 0) });
    },
  };
  return { source, reads };
}

describe('BacklogCache', () => {
  it('pools reconciled together cost one read; a type is read again after maxAge', async () => {
    let now = 0;
    const { source, reads } = tableSource({ a: 3, b: 4 });
    const cache = new BacklogCache(source, 10_000, () => now);
    const [x, y] = await Promise.all([cache.read(['a']), cache.read(['a'])]);
    expect(x).toMatchObject({ ok: true, reading: { total: 3 } });
    expect(y).toMatchObject({ ok: true, reading: { total: 3 } });
    expect(reads).toEqual([['a']]);
    now = 5000;
    expect(await cache.read(['a', 'b'])).toMatchObject({ ok: true, reading: { byType: { a: 3, b: 4 }, total: 7 } });
    expect(reads).toEqual([['a'], ['b']]);
    now = 15_000;
    await cache.read(['b']);
    // Every stale type still asked for is refreshed in the same read.
    expect(reads.at(-1)).toEqual(['a', 'b']);
  });

  it('a failing source is asked once per interval, and each pool hears why', async () => {
    let now = 0;
    const fail = { now: true };
    const { source, reads } = tableSource({ a: 1 }, fail);
    const cache = new BacklogCache(source, 10_000, () => now);
    expect(await cache.read(['a'])).toEqual({ ok: false, message: 'table: down', source: 'table' });
    expect(await cache.read(['a'])).toMatchObject({ ok: false, message: 'table: down' });
    expect(reads).toHaveLength(1);
    fail.now = false;
    now = 10_000;
    expect(await cache.read(['a'])).toMatchObject({ ok: true, reading: { total: 1 } });
  });

  it('without a source: unavailable, naming the flag', async () => {
    const answer = await new BacklogCache(undefined, 1000).read(['a']);
    expect(answer.ok ? 'ok' : answer.message).toContain('--backlog-source');
  });
});
