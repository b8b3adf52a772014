// Requests in, answers out — the part HTTP and AMQP share. A request is checked (type, payload),
// recorded in the request log under its id, and published as message `procos.request` with the
// request id as correlation key and message id: the message start event of procos-request makes
// it an instance of its own (no request waits behind another), and the engine refuses a second
// message with the same id while the first is buffered — so a publish retried after a crash
// cannot start a second instance. The instance reports back through two jobs this process
// serves: procos.request.track (it runs: here is its key) and procos.request.reply (the answer).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { formatIssues } from '../../../operator/api/index.js';
import type { RequestLog, RequestRecord } from './request-log.js';
import { payloadProblems, type RequestTypes } from './request-types.js';

export const REQUEST_MESSAGE = 'procos.request';
// The kernel job types a request's instance calls; served by the shared kernel job workers.
export { TRACK_JOB, REPLY_JOB } from '../../../lib/kernel/kernel-jobs.js';

/** A refusal with the HTTP status it maps to and a stable reason (AMQP dead-letters with it). */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}

const requestBody = z.strictObject({
  type: z.string().min(1).max(63),
  payload: z.unknown().default({}),
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a request id is 1-128 letters, digits, ".", "_", ":" or "-"')
    .optional(),
});

export interface PublishRequest {
  name: string;
  correlationKey: string;
  messageId: string;
  timeToLive: number;
  variables: Record<string, unknown>;
}

export interface RequestGatewayDeps {
  log: RequestLog;
  types: () => RequestTypes;
  /** PublishMessage on the engine; rejects with the SDK's error (ALREADY_EXISTS is a success here). */
  publish: (m: PublishRequest) => Promise<void>;
  /** Why requests cannot be taken now (procos-request not deployed yet), or undefined. */
  notReady: () => string | undefined;
  /**
   * How long the engine keeps the message, which is how long it refuses a duplicate id. A request
   * still `accepted` after that window is not published again (see RequestLog: unconfirmed).
   */
  dedupeWindowMs?: number;
  now?: () => number;
}

const DEFAULT_WINDOW_MS = 10 * 60_000;

export class RequestGateway {
  private readonly waiters = new Map<string, Set<(r: RequestRecord) => void>>();
  private readonly answerListeners: ((r: RequestRecord) => void)[] = [];

  constructor(private readonly d: RequestGatewayDeps) {}

  private get windowMs(): number {
    return this.d.dedupeWindowMs ?? DEFAULT_WINDOW_MS;
  }

  /** Checks and records a request and hands it to the engine; a known id returns its record. */
  async submit(body: unknown, o: { replyTo?: string } = {}): Promise<{ record: RequestRecord; duplicate: boolean }> {
    const parsed = requestBody.safeParse(body);
    if (!parsed.success)
      throw new RequestRefused(
        400,
        'InvalidRequest',
        `the request is not valid: ${formatIssues(parsed.error.issues).join('; ')}`,
      );
    const { type, payload } = parsed.data;
    const types = this.d.types();
    const handler = types.types.get(type);
    if (!handler) {
      const known = [...types.types.keys()].sort();
      throw new RequestRefused(
        422,
        'UnknownRequestType',
        `request type ${JSON.stringify(type)} is not known${known.length ? ` (known: ${known.join(', ')})` : ' (no request type is configured)'}`,
      );
    }
    if (!handler.validate(payload))
      throw new RequestRefused(
        422,
        'InvalidPayload',
        `the payload of a ${type} request is not valid: ${payloadProblems(handler.validate).join('; ')}`,
      );
    const notReady = this.d.notReady();
    if (notReady) throw new RequestRefused(503, 'NotReady', notReady);
    const id = parsed.data.id ?? randomUUID();
    const { record, created } = this.d.log.insert({ id, type, payload, replyTo: o.replyTo });
    if (!created && record.type !== type)
      throw new RequestRefused(
        409,
        'RequestIdInUse',
        `request id ${id} was used for a ${record.type} request; a retry must send the same request`,
      );
    // A duplicate that was never tracked is published again: the engine drops it if it has it.
    if (created || record.state === 'accepted') await this.publish(record, handler.process);
    return { record: this.d.log.get(id) ?? record, duplicate: !created };
  }

  private async publish(r: RequestRecord, process: string): Promise<void> {
    try {
      await this.d.publish({
        name: REQUEST_MESSAGE,
        correlationKey: r.id,
        messageId: r.id,
        timeToLive: this.windowMs,
        variables: { request: { id: r.id, type: r.type, payload: r.payload, process } },
      });
    } catch (err) {
      if (/ALREADY_EXISTS/.test((err as Error).message)) return;
      throw new RequestRefused(
        503,
        'EngineUnavailable',
        `the engine did not take the request (${(err as Error).message}); retry with the same id`,
      );
    }
  }

  /** Called once per answered request (the AMQP ingress replies to reply_to). */
  onAnswered(listener: (r: RequestRecord) => void): void {
    this.answerListeners.push(listener);
  }

  /** Why requests are refused now, if they are. */
  notReady(): string | undefined {
    return this.d.notReady();
  }

  get(id: string): RequestRecord | undefined {
    return this.d.log.get(id);
  }

  /** Resolves with the record once `done` holds for it, or with the record as it is after timeoutMs. */
  async wait(id: string, done: (r: RequestRecord) => boolean, timeoutMs: number): Promise<RequestRecord | undefined> {
    const now = this.d.log.get(id);
    if (!now || done(now)) return now;
    return new Promise((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const finish = (r: RequestRecord | undefined): void => {
        clearTimeout(timer);
        set.delete(check);
        if (!set.size) this.waiters.delete(id);
        resolve(r);
      };
      const check = (r: RequestRecord): void => {
        if (done(r)) finish(r);
      };
      const timer = setTimeout(() => finish(this.d.log.get(id)), timeoutMs);
      set.add(check);
    });
  }

  private changed(r: RequestRecord | undefined): void {
    if (!r) return;
    for (const w of [...(this.waiters.get(r.id) ?? [])]) w(r);
  }

  /** Job procos.request.track: the request's instance runs. */
  tracked(id: string, instanceKey: string): void {
    this.changed(this.d.log.running(id, instanceKey));
  }

  /** Job procos.request.reply: the answer (or the failure) of the request. */
  answered(id: string, o: { instanceKey: string; result?: unknown; error?: string; failed: boolean }): void {
    const before = this.d.log.get(id);
    const r = this.d.log.finished(id, o);
    this.changed(r);
    if (r && before && before.state !== 'completed' && before.state !== 'failed')
      for (const l of this.answerListeners) l(r);
  }

  /**
   * After a restart: requests published but never tracked are published again while the engine
   * still de-duplicates them; older ones are marked unconfirmed rather than risk a second instance.
   */
  async recover(): Promise<{ republished: number; unconfirmed: number }> {
    const now = (this.d.now ?? Date.now)();
    let republished = 0;
    let unconfirmed = 0;
    for (const r of this.d.log.pending()) {
      const handler = this.d.types().types.get(r.type);
      if (handler && now - Date.parse(r.createdAt) < this.windowMs) {
        await this.publish(r, handler.process);
        republished++;
      } else {
        this.d.log.unconfirmed(
          r.id,
          `accepted at ${r.createdAt} and never tracked by its instance; not published again after the ${this.windowMs / 1000} s ` +
            `de-duplication window: look for a procos-request instance with request.id "${r.id}"`,
        );
        unconfirmed++;
      }
    }
    return { republished, unconfirmed };
  }
}
