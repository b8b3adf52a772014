// Job statistics as Camunda 8.9 serves them (POST /v2/jobs/statistics/by-types, GET
// /v2/jobs/statistics/global): per job type, how many jobs were created, completed and failed in
// a time window, when each last happened, and how many distinct workers took jobs. A projection
// of the committed events into one bucket per job type and minute, kept for a day, in memory:
// a window reaching before what is held (before the engine started, or beyond the day) is
// answered with what there is and `isIncomplete`. A bucket counts when its minute starts within
// the window, so windows are as fine as a minute.
import type { Engine } from '../processor/engine.js';
import type { EngineEvent } from '../state/events.js';

const MINUTE_MS = 60_000;
/** How long buckets are kept: one per job type and minute with any activity. */
const RETENTION_MS = 24 * 60 * MINUTE_MS;

/** Camunda's StatusMetric: a count and when it last changed (null when nothing happened). */
export interface StatusMetric {
  count: number;
  lastUpdatedAt: string | null;
}

export interface JobTypeStatistics {
  jobType: string;
  created: StatusMetric;
  completed: StatusMetric;
  failed: StatusMetric;
  /** Distinct workers that activated jobs of the type in the window. */
  workers: number;
}

interface Counter {
  count: number;
  /** Epoch ms of the last one; 0 with none. */
  last: number;
}

interface Bucket {
  minute: number;
  created: Counter;
  completed: Counter;
  failed: Counter;
  workers: Set<string>;
}

const counter = (): Counter => ({ count: 0, last: 0 });

export class JobStatistics {
  /** Job type → its buckets, oldest first. */
  private readonly buckets = new Map<string, Bucket[]>();
  /** Keys of live jobs → their type: the events after JOB_CREATED name only the key. */
  private readonly typeOfJob = new Map<number, string>();
  /** The earliest time the statistics can speak for. */
  private readonly heldSince: number;

  constructor(private readonly engine: Engine) {
    this.heldSince = engine.clock();
    for (const job of engine.state.jobs.values()) this.typeOfJob.set(job.key, job.type); // recovered ones
    engine.on('committed', (batch: readonly EngineEvent[]) => {
      const at = engine.clock();
      for (const e of batch) this.count(e, at);
    });
  }

  private count(e: EngineEvent, at: number): void {
    switch (e.type) {
      case 'JOB_CREATED':
        this.typeOfJob.set(e.key, e.jobType);
        tick(this.bucket(e.jobType, at).created, at);
        return;
      case 'JOB_ACTIVATED': {
        const type = this.typeOfJob.get(e.key);
        if (type !== undefined && e.worker) this.bucket(type, at).workers.add(e.worker);
        return;
      }
      case 'JOB_COMPLETED':
      case 'JOB_FAILED': {
        const type = this.typeOfJob.get(e.key);
        if (type === undefined) return;
        const b = this.bucket(type, at);
        if (e.type === 'JOB_COMPLETED') {
          tick(b.completed, at);
          this.typeOfJob.delete(e.key);
        } else tick(b.failed, at);
        return;
      }
      case 'JOB_ERROR_THROWN':
      case 'JOB_CANCELED':
        this.typeOfJob.delete(e.key); // the job is over
        return;
      default:
        return;
    }
  }

  /** The bucket of the type for the minute of `at`; buckets older than a day go. */
  private bucket(type: string, at: number): Bucket {
    const minute = at - (at % MINUTE_MS);
    let list = this.buckets.get(type);
    if (!list) this.buckets.set(type, (list = []));
    const newest = list[list.length - 1];
    if (newest?.minute === minute) return newest;
    const b: Bucket = { minute, created: counter(), completed: counter(), failed: counter(), workers: new Set() };
    list.push(b);
    while ((list[0]?.minute ?? minute) < minute - RETENTION_MS) list.shift();
    return b;
  }

  /** Whether a window starting at `from` reaches before what is held. */
  incomplete(from: number, now = this.engine.clock()): boolean {
    return from < Math.max(this.heldSince - (this.heldSince % MINUTE_MS), now - RETENTION_MS);
  }

  /** Per job type with activity in [from, to), ordered by type. */
  byType(from: number, to: number, include: (jobType: string) => boolean = () => true): JobTypeStatistics[] {
    const out: JobTypeStatistics[] = [];
    for (const [jobType, list] of this.buckets) {
      if (!include(jobType)) continue;
      const inWindow = list.filter((b) => b.minute >= from - (from % MINUTE_MS) && b.minute < to);
      if (inWindow.length === 0) continue;
      const workers = new Set<string>();
      for (const b of inWindow) for (const w of b.workers) workers.add(w);
      out.push({
        jobType,
        created: metric(inWindow.map((b) => b.created)),
        completed: metric(inWindow.map((b) => b.completed)),
        failed: metric(inWindow.map((b) => b.failed)),
        workers: workers.size,
      });
    }
    return out.sort((a, b) => (a.jobType < b.jobType ? -1 : a.jobType > b.jobType ? 1 : 0));
  }

  /** All job types (or one) together in [from, to). */
  global(from: number, to: number, jobType?: string): Omit<JobTypeStatistics, 'jobType' | 'workers'> {
    const all = this.byType(from, to, (t) => jobType === undefined || t === jobType);
    const sum = (pick: (s: JobTypeStatistics) => StatusMetric): StatusMetric => {
      const metrics = all.map(pick);
      const last = metrics.reduce((m, s) => (s.lastUpdatedAt && (!m || s.lastUpdatedAt > m) ? s.lastUpdatedAt : m), '');
      return { count: metrics.reduce((n, s) => n + s.count, 0), lastUpdatedAt: last || null };
    };
    return { created: sum((s) => s.created), completed: sum((s) => s.completed), failed: sum((s) => s.failed) };
  }
}

function tick(c: Counter, at: number): void {
  c.count++;
  c.last = Math.max(c.last, at);
}

function metric(counters: Counter[]): StatusMetric {
  const count = counters.reduce((n, c) => n + c.count, 0);
  const last = counters.reduce((m, c) => Math.max(m, c.last), 0);
  return { count, lastUpdatedAt: count > 0 ? new Date(last).toISOString() : null };
}
