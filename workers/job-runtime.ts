// Serves a pool's job types against real Zeebe and procos-engine alike, and maps each adapter
// outcome once: variables → CompleteJob; BpmnError → ThrowError with its code; TransientError →
// retried here `retries` times with exponential backoff, then FailJob with one retry less and a
// back-off; anything else → FailJob with retries 0, so an incident carries the message.
// Secret values are redacted from variables, messages, logs and spans before they leave.
//
// Draining (SIGTERM): stop activating, give jobs not yet started back at once, let running ones
// finish within the grace period, then abort and give back the rest — FailJob with unchanged
// retries and no back-off, so no job waits for its timeout and none is lost.
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { BpmnError, TransientError, type JobContext } from './adapters/index.js';
import { JobSource, parseJob, type ActivatedJob, type JobFlow } from './job-source.js';
import type { BoundHandler, LoadedPool } from './pool-config.js';
import { WorkerMetrics } from './worker-metrics.js';

export interface JobRuntimeOptions {
  /** First local retry delay; doubles per attempt (tests pass a small one). */
  retryBaseMs?: number;
  /** Back-off the engine applies before the job is activatable again after a failed attempt. */
  engineRetryBackOffMs?: number;
  /** poll (default): long polling bounded by free slots; stream: also a job stream while idle (see job-source.ts). */
  flow?: JobFlow;
  longPollMs?: number;
  /** The worker name the engine records on each activation. */
  workerName?: string;
  metrics?: WorkerMetrics;
}

export type Outcome =
  | { kind: 'complete'; variables: Record<string, unknown> }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'fail'; message: string; retriesLeft: 'one less' | 'none' };

/** Runs a handler with its local retries; never throws. */
export async function runHandler(
  h: Pick<BoundHandler, 'run' | 'retries'>,
  variables: Record<string, unknown>,
  context: JobContext,
  retryBaseMs = 200,
): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { kind: 'complete', variables: await h.run(variables, context) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof BpmnError) return { kind: 'error', code: err.code, message };
      if (!(err instanceof TransientError)) return { kind: 'fail', message, retriesLeft: 'none' };
      if (attempt >= h.retries || context.signal.aborted) return { kind: 'fail', message, retriesLeft: 'one less' };
      await new Promise((r) => setTimeout(r, retryBaseMs * 2 ** attempt));
    }
  }
}

export interface DrainReport {
  /** Jobs that finished (any outcome) while draining. */
  finished: number;
  /** Jobs given back: never started, or still running when the grace period ended. */
  handedBack: number;
}

export interface JobWorkers {
  /** Stop activating, finish what runs within graceMs, give back the rest. */
  drain(graceMs: number): Promise<DrainReport>;
  /** drain(0): every job in the worker is given back at once. */
  close(): Promise<void>;
  /** Every handler's source reached the engine on its last call. */
  connected(): boolean;
  draining(): boolean;
  metrics: WorkerMetrics;
}

interface Running {
  job: ActivatedJob;
  abort: AbortController;
  /** Set when the job was given back or timed out: its late outcome is dropped. */
  released: boolean;
  done: Promise<void>;
}

class HandlerRuntime {
  readonly queue: ActivatedJob[] = [];
  readonly running = new Map<string, Running>();
  readonly source: JobSource;
  connected = false;
  private slotWaiters: (() => void)[] = [];
  private readonly labels: { task_topic: string; worker_type: string };
  private readonly tracer = trace.getTracer('procos-worker');

  constructor(
    private readonly zbc: ZeebeGrpcClient,
    private readonly h: BoundHandler,
    private readonly pool: LoadedPool,
    private readonly log: Logger,
    private readonly o: JobRuntimeOptions & { metrics: WorkerMetrics; isDraining: () => boolean },
  ) {
    this.labels = { task_topic: h.taskType, worker_type: h.adapter };
    o.metrics.startHandler(this.labels);
    this.source = new JobSource(zbc, {
      taskType: h.taskType,
      worker: o.workerName ?? `procos-worker-${hostname()}`,
      timeoutMs: h.timeoutSeconds * 1000,
      fetchVariables: h.fetchVariables,
      flow: o.flow ?? 'poll',
      longPollMs: o.longPollMs ?? 30_000,
      freeSlots: () => Math.max(0, pool.maxJobsActive - this.running.size - this.queue.length),
      slotFreed: () => new Promise((r) => this.slotWaiters.push(r)),
      onJob: (raw) => this.receive(raw),
      onConnected: (c) => (this.connected = c),
      log,
    });
  }

  private receive(raw: Record<string, unknown>): void {
    let job: ActivatedJob;
    try {
      job = parseJob(raw);
    } catch (err) {
      void this.send(String(raw.key), 'fail', () =>
        this.zbc.failJob({
          jobKey: String(raw.key),
          retries: 0,
          retryBackOff: 0,
          errorMessage: `procos-worker could not read the job's variables or headers as JSON: ${String(err)}`,
        }),
      );
      return;
    }
    this.o.metrics.activated.inc(this.labels);
    // Draining, or a streamed job beyond maxJobsActive (the stream is closing): give it back now.
    if (this.o.isDraining() || this.running.size + this.queue.length >= this.pool.maxJobsActive) {
      this.handedBackOnArrival++;
      void this.handBack(job);
      return;
    }
    this.queue.push(job);
    this.pump();
  }

  pump(): void {
    while (!this.o.isDraining() && this.running.size < this.pool.maxJobsActive) {
      const job = this.queue.shift();
      if (!job) break;
      this.execute(job);
    }
    const held = this.running.size + this.queue.length;
    this.source.setFull(held >= this.pool.maxJobsActive);
    this.o.metrics.inFlight.set(this.labels, this.running.size);
    this.o.metrics.saturation.set(this.labels, held / this.pool.maxJobsActive);
    if (held < this.pool.maxJobsActive) for (const wake of this.slotWaiters.splice(0)) wake();
  }

  private execute(job: ActivatedJob): void {
    const abort = new AbortController();
    const jobLog = this.log.child({ jobKey: job.key, jobType: job.type, processInstanceKey: job.processInstanceKey });
    const started = performance.now();
    const entry: Running = { job, abort, released: false, done: Promise.resolve() };
    // The engine gives the job to another worker at its deadline; stop working on it then.
    const deadline = Number(job.deadline);
    const timer =
      Number.isFinite(deadline) && deadline > 0
        ? setTimeout(
            () => {
              entry.released = true;
              abort.abort(new Error('the job timed out (handler timeoutSeconds)'));
              jobLog.warn('job timed out before its outcome; the engine hands it out again');
            },
            Math.max(0, deadline - Date.now()),
          )
        : undefined;
    const secrets = this.pool.secrets;
    entry.done = this.tracer.startActiveSpan(
      `job ${job.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'zeebe.job.key': job.key,
          'zeebe.job.type': job.type,
          'zeebe.process_instance.key': job.processInstanceKey,
          'zeebe.bpmn_process_id': job.bpmnProcessId,
          'zeebe.element.id': job.elementId,
          'procos.worker.adapter': this.h.adapter,
        },
      },
      async (span) => {
        const context: JobContext = {
          jobKey: job.key,
          jobType: job.type,
          processInstanceKey: job.processInstanceKey,
          elementId: job.elementId,
          headers: job.customHeaders,
          signal: abort.signal,
          policy: this.pool.policy,
          log: jobLog,
        };
        const outcome = await runHandler(this.h, job.variables, context, this.o.retryBaseMs);
        clearTimeout(timer);
        if (entry.released) {
          span.setAttribute('procos.job.released', true);
          span.end();
          return;
        }
        const seconds = (performance.now() - started) / 1000;
        this.o.metrics.duration.observe(this.labels, seconds);
        switch (outcome.kind) {
          case 'complete':
            jobLog.debug('completed');
            this.o.metrics.completed.inc(this.labels);
            await this.send(job.key, 'complete', () =>
              this.zbc.completeJob({ jobKey: job.key, variables: secrets.redactDeep(outcome.variables) as never }),
            );
            break;
          case 'error': {
            const message = secrets.redact(outcome.message);
            jobLog.info({ errorCode: outcome.code }, message);
            this.o.metrics.errored.inc(this.labels);
            span.setStatus({ code: SpanStatusCode.ERROR, message: `${outcome.code}: ${message}` });
            await this.send(job.key, 'error', () =>
              this.zbc.throwError({ jobKey: job.key, errorCode: outcome.code, errorMessage: message, variables: {} }),
            );
            break;
          }
          case 'fail': {
            const message = secrets.redact(outcome.message);
            const retries = outcome.retriesLeft === 'none' ? 0 : Math.max(0, job.retries - 1);
            jobLog.warn({ retriesLeft: retries }, message);
            this.o.metrics.failed.inc(this.labels);
            span.setStatus({ code: SpanStatusCode.ERROR, message });
            await this.send(job.key, 'fail', () =>
              this.zbc.failJob({
                jobKey: job.key,
                errorMessage: message,
                retries,
                retryBackOff: outcome.retriesLeft === 'none' ? 0 : (this.o.engineRetryBackOffMs ?? 1000),
              }),
            );
            break;
          }
        }
        span.end();
      },
    );
    this.running.set(job.key, entry);
    void entry.done.finally(() => {
      this.running.delete(job.key);
      this.pump();
    });
  }

  /** Gives a job back unchanged (no retry used, no back-off) so another worker can take it now. */
  handBack(job: ActivatedJob): Promise<void> {
    this.o.metrics.handedBack.inc(this.labels);
    return this.send(job.key, 'hand back', () =>
      this.zbc.failJob({
        jobKey: job.key,
        retries: job.retries,
        retryBackOff: 0,
        errorMessage: 'procos-worker handed the job back unfinished (shutting down or full)',
      }),
    );
  }

  /** Calls to the engine not answered yet: drain waits for them, so none is cut off by exit. */
  private readonly sending = new Set<Promise<void>>();
  /** Jobs given back outside drain() (arrived while draining or beyond capacity). */
  private handedBackOnArrival = 0;

  /** The engine may already have moved on (job timed out, instance cancelled): log, never throw. */
  private send(jobKey: string, what: string, call: () => Promise<unknown>): Promise<void> {
    const p = (async () => {
      try {
        await call();
      } catch (err) {
        this.log.warn({ jobKey, err: this.pool.secrets.redact(String(err)) }, `could not ${what} the job`);
      }
    })();
    this.sending.add(p);
    void p.finally(() => this.sending.delete(p));
    return p;
  }

  /** Jobs not started yet go back at once; running ones get until `deadline`, then go back too. */
  async drain(graceMs: number): Promise<DrainReport> {
    const stopping = this.source.stop();
    const queued = this.queue.splice(0);
    await Promise.all(queued.map((j) => this.handBack(j)));
    let handedBack = queued.length;
    const runningNow = [...this.running.values()];
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    await Promise.race([Promise.all(runningNow.map((r) => r.done)), graceOver]);
    clearTimeout(timer);
    const late = [...this.running.values()].filter((r) => !r.released);
    for (const r of late) {
      r.released = true;
      r.abort.abort(new Error('the worker is shutting down'));
    }
    await Promise.all(late.map((r) => this.handBack(r.job)));
    handedBack += late.length;
    await stopping; // a poll answered from the backlog lands in here; its jobs go back too
    while (this.sending.size) await Promise.all([...this.sending]);
    this.pump();
    return { finished: runningNow.length - late.length, handedBack: handedBack + this.handedBackOnArrival };
  }
}

export function startJobWorkers(
  zbc: ZeebeGrpcClient,
  pool: LoadedPool,
  log: Logger,
  o: JobRuntimeOptions = {},
): JobWorkers {
  const metrics = o.metrics ?? new WorkerMetrics();
  let draining = false;
  const runtimes = pool.handlers.map(
    (h) =>
      new HandlerRuntime(zbc, h, pool, log.child({ taskType: h.taskType, adapter: h.adapter }), {
        ...o,
        metrics,
        isDraining: () => draining,
      }),
  );
  for (const r of runtimes) r.source.start();
  for (const h of pool.handlers) metrics.activeWorkers.inc({ worker_type: h.adapter });
  let drained: Promise<DrainReport> | undefined;
  const drain = (graceMs: number): Promise<DrainReport> => {
    drained ??= (async () => {
      draining = true;
      metrics.activeWorkers.reset();
      const reports = await Promise.all(runtimes.map((r) => r.drain(graceMs)));
      return {
        finished: reports.reduce((n, r) => n + r.finished, 0),
        handedBack: reports.reduce((n, r) => n + r.handedBack, 0),
      };
    })();
    return drained;
  };
  return {
    drain,
    async close() {
      await drain(0);
    },
    connected: () => runtimes.every((r) => r.connected),
    draining: () => draining,
    metrics,
  };
}
