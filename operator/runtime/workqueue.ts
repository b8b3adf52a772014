// One entry per object key, de-duplicated; a key being processed is never processed twice at
// once (a change meanwhile marks it dirty and it runs again after); bounded concurrency.
// Retries after an error wait max(per-key exponential backoff with a cap, a global token
// bucket) — client-go's DefaultControllerRateLimiter, applied where client-go applies it
// (AddRateLimited): a storm of failures cannot hammer the apiserver or the engine, while
// fresh changes from the watch are limited only by the concurrency. One failing key never
// blocks the others.

export interface WorkqueueOptions {
  concurrency: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Global rate limit of retries: tokens per second and burst (client-go: 10 and 100). */
  qps?: number;
  burst?: number;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** Resolves to a ReconcileResult to ask for a later run; anything else means done. */
export type Reconcile = (key: string) => Promise<unknown>;

export class Workqueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private tokens: number;
  private lastRefill = Date.now();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly reconcile: Reconcile,
    private readonly o: WorkqueueOptions,
    private readonly onError: (key: string, err: unknown, retryInMs: number) => void = () => undefined,
  ) {
    this.tokens = o.burst ?? 100;
  }

  get depth(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(key));
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    t.unref();
    this.timers.set(key, t);
  }

  private backoff(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return Math.min(this.o.maxDelayMs ?? 60_000, (this.o.baseDelayMs ?? 200) * 2 ** (n - 1));
  }

  /** Reserves a token (the balance may go negative, like golang.org/x/time/rate); returns the wait. */
  private reserveToken(): number {
    const qps = this.o.qps ?? 10;
    const now = Date.now();
    this.tokens = Math.min(this.o.burst ?? 100, this.tokens + ((now - this.lastRefill) / 1000) * qps);
    this.lastRefill = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / qps) * 1000);
  }

  private pump(): void {
    while (!this.stopped && this.active < this.o.concurrency && this.queue.length) {
      const key = this.queue.shift();
      if (key === undefined) return;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      void this.run(key);
    }
    if (this.active === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(key: string): Promise<void> {
    try {
      const result = (await this.reconcile(key)) as ReconcileResult | undefined;
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const delay = Math.max(this.backoff(key), this.reserveToken());
      this.onError(key, err, delay);
      this.addAfter(key, delay);
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.queue.length = 0;
    this.queued.clear();
    if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
