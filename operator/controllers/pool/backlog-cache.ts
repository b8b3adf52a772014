// One engine read per poll interval for all pools: each pool asks for its task types, and a type
// read less than maxAgeMs ago is answered from memory. Reads running at the same moment for the
// same types share one request, so 200 pools reconciled together cost the engine one call.
import { BacklogUnavailable, type BacklogReading, type BacklogSource } from '../../engine-client/backlog-source.js';

export type BacklogAnswer =
  { ok: true; reading: BacklogReading; readAt: number } | { ok: false; message: string; source?: string };

interface Cached {
  count: number;
  at: number;
}

/** A type no pool asked for in this many intervals is forgotten (its pool is gone or changed). */
const FORGET_AFTER_INTERVALS = 3;

export class BacklogCache {
  private readonly counts = new Map<string, Cached>();
  private inFlight?: Promise<void>;
  private readonly askedAt = new Map<string, number>();
  private lastError?: { message: string; at: number };

  constructor(
    private readonly source: BacklogSource | undefined,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get description(): string {
    return this.source?.description ?? 'none';
  }

  async read(taskTypes: readonly string[]): Promise<BacklogAnswer> {
    const source = this.source;
    if (!source)
      return {
        ok: false,
        message: 'no backlog source is configured (operator flag --backlog-source): the pool keeps its size',
      };
    for (const t of taskTypes) this.askedAt.set(t, this.now());
    // A read already under way may bring these types: wait for it before starting another.
    if (this.inFlight && this.staleOf(taskTypes).length) await this.inFlight.catch(() => undefined);
    const stale = this.staleOf(taskTypes);
    // A failure is remembered for one interval too: 200 pools do not each retry a dead engine.
    if (stale.length && this.lastError && this.now() - this.lastError.at < this.maxAgeMs)
      return { ok: false, message: this.lastError.message, source: source.description };
    if (stale.length) {
      try {
        await this.fetch(source, stale);
      } catch (err) {
        if (!(err instanceof BacklogUnavailable)) throw err;
        return { ok: false, message: err.message, source: source.description };
      }
    }
    const now = this.now();
    const byType = Object.fromEntries(taskTypes.map((t) => [t, this.counts.get(t)?.count ?? 0]));
    const readAt = Math.min(...taskTypes.map((t) => this.counts.get(t)?.at ?? now));
    return { ok: true, reading: { byType, total: Object.values(byType).reduce((a, b) => a + b, 0) }, readAt };
  }

  /** Types never read, or read maxAgeMs ago or earlier. */
  private staleOf(types: readonly string[]): string[] {
    const now = this.now();
    return types.filter((t) => {
      const c = this.counts.get(t);
      return !c || now - c.at >= this.maxAgeMs;
    });
  }

  /** Reads the stale types asked for and every other stale type still asked for, in one call. */
  private fetch(source: BacklogSource, wanted: string[]): Promise<void> {
    const horizon = this.now() - FORGET_AFTER_INTERVALS * this.maxAgeMs;
    for (const [t, at] of this.askedAt)
      if (at < horizon) {
        this.askedAt.delete(t);
        this.counts.delete(t);
      }
    const types = [...new Set([...wanted, ...this.staleOf([...this.askedAt.keys()])])].sort();
    const pending = source
      .read(types)
      .then(
        (r) => {
          const at = this.now();
          this.lastError = undefined;
          for (const t of types) this.counts.set(t, { count: r.byType[t] ?? 0, at });
        },
        (err: unknown) => {
          if (err instanceof BacklogUnavailable) this.lastError = { message: err.message, at: this.now() };
          throw err;
        },
      )
      .finally(() => {
        if (this.inFlight === pending) this.inFlight = undefined;
      });
    this.inFlight = pending;
    return pending;
  }
}
