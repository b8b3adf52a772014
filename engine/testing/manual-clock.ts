// A clock that only moves when a test says so: timers, job deadlines, retry back-offs and message
// TTLs are then tested by advancing time, never by sleeping for it (issue 8).

/** 2026-01-01T00:00:00Z: a fixed start, so due dates in a test are the same on every run. */
const EPOCH = Date.UTC(2026, 0, 1);

export class ManualClock {
  private t: number;
  private readonly listeners: (() => Promise<void>)[] = [];

  constructor(start = EPOCH) {
    this.t = start;
  }

  /** The clock function the engine reads (`EngineOpenOptions.clock`). */
  readonly now = (): number => this.t;

  /** Runs after every advance; the harness hooks the engine's due-time pass in here. Returns the unhook. */
  onAdvance(listener: () => Promise<void>): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Moves time forward and resolves once everything that became due has been processed. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new Error(`a clock only moves forward (advance(${ms}))`);
    this.t += ms;
    for (const listener of this.listeners) await listener();
  }
}
