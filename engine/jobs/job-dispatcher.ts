// Hands activatable jobs to workers (docs/zeebe-compatibility.md C15–C17): open job streams first (round robin),
// then long-polling ActivateJobs calls (oldest first); the rest stays in the backlog.
// A job goes out only once its activation is in the log (engine.durable()).
import type { Engine } from '../processor/engine.js';
import {
  activateJobs,
  activateJobsFor,
  returnJobs,
  type ActivatedJob,
  type ActivationRequest,
} from '../commands/activate-jobs.js';

export interface LongPoll {
  request: ActivationRequest;
  respond(jobs: ActivatedJob[]): void;
  end(): void;
  timer?: NodeJS.Timeout;
}

export interface JobStream {
  request: Omit<ActivationRequest, 'maxJobs'>;
  /** Writes one job; false when the stream is gone (the job then returns to the backlog). */
  push(job: ActivatedJob): boolean;
  /**
   * False while gRPC flow control holds the stream (the worker is full and stopped reading):
   * jobs then go to other streams or polls, as Zeebe's gateway yields them (C17).
   */
  ready(): boolean;
}

/** Zeebe holds a long poll with requestTimeout 0 for its default of 10 s. */
const DEFAULT_LONG_POLL_MS = 10_000;

export class JobDispatcher {
  private readonly polls = new Map<string, LongPoll[]>();
  private readonly streams = new Map<string, JobStream[]>();
  private nextStream = 0;

  constructor(private readonly engine: Engine) {
    engine.on('jobsAvailable', (type) => this.dispatch(type));
  }

  /** ActivateJobs: answer at once if jobs are there, else hold the call (C15). */
  activate(poll: LongPoll, requestTimeoutMs: number): () => void {
    const jobs = activateJobs(this.engine, poll.request);
    if (jobs.length) {
      this.answer(poll, jobs);
      return () => undefined;
    }
    if (requestTimeoutMs < 0) {
      poll.end();
      return () => undefined;
    }
    const queue = this.polls.get(poll.request.type) ?? [];
    this.polls.set(poll.request.type, queue);
    queue.push(poll);
    const cancel = (): void => {
      clearTimeout(poll.timer);
      const q = this.polls.get(poll.request.type);
      const i = q?.indexOf(poll) ?? -1;
      if (q && i >= 0) q.splice(i, 1);
    };
    poll.timer = setTimeout(
      () => {
        cancel();
        poll.end();
      },
      requestTimeoutMs === 0 ? DEFAULT_LONG_POLL_MS : requestTimeoutMs,
    );
    return cancel;
  }

  /** StreamActivatedJobs: the stream receives newly activatable jobs until removed (C17). */
  addStream(stream: JobStream): () => void {
    const list = this.streams.get(stream.request.type) ?? [];
    this.streams.set(stream.request.type, list);
    list.push(stream);
    this.dispatch(stream.request.type);
    return () => {
      const i = list.indexOf(stream);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Types someone is waiting for: the clock re-dispatches them when retry back-offs pass. */
  waitingTypes(): string[] {
    const types = new Set<string>();
    for (const [t, q] of this.polls) if (q.length) types.add(t);
    for (const [t, s] of this.streams) if (s.length) types.add(t);
    return [...types];
  }

  dispatch(type: string): void {
    this.pushToStreams(type);
    const queue = this.polls.get(type) ?? [];
    while (queue.length && this.engine.state.activatable.get(type)?.size) {
      const poll = queue[0];
      if (!poll) break;
      const jobs = activateJobs(this.engine, poll.request);
      if (!jobs.length) break; // only backed-off jobs are left
      queue.shift();
      clearTimeout(poll.timer);
      this.answer(poll, jobs);
    }
  }

  /** Every activatable job of the type goes to the next ready stream, round robin (C17). */
  private pushToStreams(type: string): void {
    const keys = this.engine.state.activatable.get(type);
    if (!keys?.size) return;
    // Pushes wait for durable(), so no stream's readiness changes while jobs are assigned.
    const streams = (this.streams.get(type) ?? []).filter((s) => s.ready());
    if (!streams.length) return;
    const assigned: JobStream[] = [];
    const assignments: { key: number; request: JobStream['request'] }[] = [];
    for (const key of keys) {
      const stream = streams[this.nextStream++ % streams.length];
      if (!stream) break;
      assigned.push(stream);
      assignments.push({ key, request: stream.request });
    }
    const jobs = activateJobsFor(this.engine, assignments);
    void this.engine.durable().then(() => {
      const unsent: number[] = [];
      jobs.forEach((job, i) => {
        if (job && !assigned[i]?.push(job)) unsent.push(job.key);
      });
      if (unsent.length) returnJobs(this.engine, unsent);
    });
  }

  private answer(poll: LongPoll, jobs: ActivatedJob[]): void {
    void this.engine.durable().then(() => {
      poll.respond(jobs);
      poll.end();
    });
  }

  close(): void {
    for (const q of this.polls.values())
      for (const p of q.splice(0)) {
        clearTimeout(p.timer);
        p.end();
      }
    this.streams.clear();
  }
}
