// Where a handler's jobs come from. `poll` (the default): ActivateJobs long polls asking for no
// more jobs than the worker has free slots — exact, so a draining worker holds nothing it has
// not seen. `stream`: additionally a StreamActivatedJobs stream while the backlog is empty and
// the worker has room, for the lowest latency; it is cancelled the moment the worker is full
// (jobs that still arrive are given back at once). Zeebe's push protocol has no credit, so a
// job the gateway is pushing at the instant a stream is cancelled reaches no one and comes back
// only at its timeout — that is why streaming is opt-in. A gateway without streaming
// (UNIMPLEMENTED) falls back to polling.
//
// The SDK's createWorker/streamJobs cannot bound, cancel or reconnect per our rules, so this uses
// the SDK's gRPC connection factory (internal, pinned by the lockfile) to keep its TLS and OAuth.
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import type { Logger } from 'pino';

export interface ActivatedJob {
  key: string;
  type: string;
  processInstanceKey: string;
  bpmnProcessId: string;
  elementId: string;
  retries: number;
  deadline: string;
  variables: Record<string, unknown>;
  customHeaders: Record<string, string>;
}

export type JobFlow = 'stream' | 'poll';

export interface JobSourceOptions {
  taskType: string;
  worker: string;
  timeoutMs: number;
  fetchVariables: string[] | undefined;
  flow: JobFlow;
  /** How long one ActivateJobs call may wait for jobs. */
  longPollMs: number;
  /** Free slots now; a poll asks for no more, and waits while it is 0. */
  freeSlots(): number;
  /** Resolves when a slot frees up. */
  slotFreed(): Promise<void>;
  /** A job as it came over the wire; parseJob() reads it. */
  onJob(raw: Record<string, unknown>): void;
  /** Whether the engine answered the last call (readiness). */
  onConnected(connected: boolean): void;
  log: Logger;
}

interface GrpcStream {
  on(event: 'data', f: (d: Record<string, unknown>) => void): unknown;
  on(event: 'error', f: (e: Error & { code?: number }) => void): unknown;
  on(event: 'end' | 'close', f: () => void): unknown;
  cancel(): void;
}
interface SdkGrpcClient {
  activateJobsStream(req: unknown): Promise<GrpcStream | { error: Error } | undefined>;
  streamActivatedJobsStream(req: unknown): Promise<GrpcStream | { error: Error } | undefined>;
  close(timeoutMs?: number): Promise<unknown>;
}
interface SdkInternals {
  constructGrpcClient(o: { grpcConfig: { namespace: string; tasktype: string }; logConfig: Record<string, unknown> }): {
    grpcClient: SdkGrpcClient;
  };
}

const CANCELLED = 1;
/** How long a draining worker waits for a poll answered from the backlog to arrive. */
const POLL_LANDING_MS = 2000;
const UNIMPLEMENTED = 12;
const RETRY_MAX_MS = 5000;

export function parseJob(raw: Record<string, unknown>): ActivatedJob {
  const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  const json = (v: unknown): Record<string, unknown> =>
    typeof v === 'string' && v !== '' ? (JSON.parse(v) as Record<string, unknown>) : {};
  return {
    key: str(raw.key),
    type: str(raw.type),
    processInstanceKey: str(raw.processInstanceKey),
    bpmnProcessId: str(raw.bpmnProcessId),
    elementId: str(raw.elementId),
    retries: Number(raw.retries ?? 0),
    deadline: str(raw.deadline),
    variables: json(raw.variables),
    customHeaders: json(raw.customHeaders) as Record<string, string>,
  };
}

export class JobSource {
  private readonly grpc: SdkGrpcClient;
  private stream: GrpcStream | undefined;
  private poll: GrpcStream | undefined;
  /** Resolves when the poll in flight has ended. */
  private pollDone: Promise<void> = Promise.resolve();
  private stopped = false;
  /** A method, not the field: the loops re-read it after every await. */
  private isStopped(): boolean {
    return this.stopped;
  }
  private full = false;
  private isFull(): boolean {
    return this.full;
  }
  /** The last poll got fewer jobs than it asked for: only new jobs will come, a stream may open. */
  private backlogEmpty = false;
  /** The last poll came back full: the next one is answered at once (drain waits for it). */
  private backlogSeen = false;
  private wakeStream: () => void = () => undefined;
  private streamUnsupported = false;
  private readonly loops: Promise<void>[] = [];
  private wakeStop: () => void = () => undefined;
  /** One promise for every wait to race against: resolved by stop(). */
  private readonly stopPromise = new Promise<void>((r) => (this.wakeStop = r));

  constructor(
    zbc: ZeebeGrpcClient,
    private readonly o: JobSourceOptions,
  ) {
    // A connection of its own per job type, like the SDK's workers: a stream error on it cannot
    // disturb the client's other calls.
    this.grpc = (zbc as unknown as SdkInternals).constructGrpcClient({
      grpcConfig: { namespace: 'procos-worker', tasktype: o.taskType },
      logConfig: { _tag: 'ZBWORKER', loglevel: 'NONE', namespace: 'procos-worker', taskType: o.taskType },
    }).grpcClient;
  }

  start(): void {
    if (this.o.flow === 'stream') this.loops.push(this.streamLoop());
    this.loops.push(this.pollLoop());
  }

  /** Called by the runtime when it is full (the stream closes) or has room again. */
  setFull(full: boolean): void {
    this.full = full;
    if (full) this.stream?.cancel();
    else if (this.backlogEmpty) this.wakeStream();
  }

  /** Stops activating: cancels the stream and the pending poll. Jobs already received stay the runtime's. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeStop();
    this.stream?.cancel();
    this.wakeStream();
    // A poll sent while there is a backlog is answered at once: cancelling it now would drop
    // jobs already on the wire, to come back only at their timeout. Let it land (its jobs are
    // given back); cancel only a poll that is parked waiting for work.
    const poll = this.poll;
    if (poll && this.backlogSeen) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.pollDone, new Promise<void>((r) => (timer = setTimeout(r, POLL_LANDING_MS)))]);
      clearTimeout(timer);
    }
    this.poll?.cancel();
    await Promise.all(this.loops);
    await this.grpc.close(2000).catch(() => undefined);
  }

  private request(extra: Record<string, unknown>): Record<string, unknown> {
    return {
      type: this.o.taskType,
      worker: this.o.worker,
      timeout: this.o.timeoutMs,
      fetchVariable: this.o.fetchVariables ?? [],
      tenantIds: [],
      ...extra,
    };
  }

  private async streamLoop(): Promise<void> {
    let failures = 0;
    while (!this.isStopped() && !this.streamUnsupported) {
      // Open only while there is room and no backlog (Zeebe pushes only new jobs to a stream).
      while ((this.isFull() || !this.backlogEmpty) && !this.isStopped())
        await Promise.race([new Promise<void>((r) => (this.wakeStream = r)), this.stopPromise]);
      if (this.isStopped()) return;
      const opened = await this.grpc.streamActivatedJobsStream(this.request({}));
      if (!opened || 'error' in opened) {
        this.o.onConnected(false);
        await this.backoff(++failures);
        continue;
      }
      const stream = opened;
      this.stream = stream;
      if (this.isStopped() || this.isFull()) stream.cancel();
      const ended = await new Promise<Error | undefined>((resolve) => {
        stream.on('data', (raw) => {
          failures = 0;
          this.o.onConnected(true);
          this.deliver(raw);
        });
        stream.on('error', (e) => resolve(e.code === CANCELLED ? undefined : e));
        stream.on('end', () => resolve(undefined));
      });
      this.stream = undefined;
      if (this.isStopped()) return;
      if ((ended as { code?: number } | undefined)?.code === UNIMPLEMENTED) {
        this.streamUnsupported = true;
        this.o.log.warn('the gateway does not support job streaming: long polling only');
        return;
      }
      if (ended) {
        this.o.log.debug({ err: ended.message }, 'job stream failed; reopening');
        await this.backoff(++failures);
      }
    }
  }

  private async pollLoop(): Promise<void> {
    let failures = 0;
    while (!this.isStopped()) {
      while (this.o.freeSlots() === 0 && !this.isStopped())
        await Promise.race([this.o.slotFreed(), this.stoppedSignal()]);
      if (this.isStopped()) return;
      const asked = this.o.freeSlots();
      const opened = await this.grpc.activateJobsStream(
        this.request({ maxJobsToActivate: asked, requestTimeout: this.o.longPollMs }),
      );
      if (!opened || 'error' in opened) {
        this.o.onConnected(false);
        await this.backoff(++failures);
        continue;
      }
      this.poll = opened;
      let got = 0;
      let landed: () => void = () => undefined;
      this.pollDone = new Promise((r) => (landed = r));
      const err = await new Promise<Error | undefined>((resolve) => {
        opened.on('data', (res) => {
          for (const raw of (res.jobs as Record<string, unknown>[] | undefined) ?? []) {
            got++;
            this.deliver(raw);
          }
        });
        opened.on('error', (e) => resolve(e));
        opened.on('end', () => resolve(undefined));
      });
      this.poll = undefined;
      landed();
      if (this.isStopped()) return;
      if (err) {
        this.o.onConnected(false);
        this.o.log.warn({ err: err.message }, 'job activation failed; retrying');
        await this.backoff(++failures);
      } else {
        failures = 0;
        this.o.onConnected(true);
        this.backlogEmpty = got < asked;
        this.backlogSeen = got === asked;
        if (this.backlogEmpty && !this.full) this.wakeStream();
      }
    }
  }

  private deliver(raw: Record<string, unknown>): void {
    this.o.onJob(raw);
  }

  private stoppedSignal(): Promise<void> {
    return this.stopPromise;
  }

  private backoff(failures: number): Promise<void> {
    const ms = Math.min(RETRY_MAX_MS, 100 * 2 ** Math.min(failures, 6));
    return Promise.race([new Promise<void>((r) => setTimeout(r, ms).unref()), this.stoppedSignal()]);
  }
}
