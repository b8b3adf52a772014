// The AMQP door: a consumer of a RabbitMQ queue (default `procos.requests`) that does what
// POST /requests does. A message is JSON {type, payload, id?} (the id defaults to the message's
// message_id). It is acknowledged only after the engine took the request — at-least-once from
// the queue, made exactly-once per request id by the request log — and the answer goes to
// `reply_to` when the message has one (correlation_id = the request id). A message that can never
// succeed (not JSON, unknown type, invalid payload) goes to the dead-letter queue with the reason
// in its headers and is acknowledged; one that cannot be taken now (the engine is down, the
// system not ready) is given back to the queue after a pause.
import {
  connect,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type RecoveringChannelModel,
} from 'amqplib';
import type { Logger } from 'pino';
import type { RequestRecord } from './request-log.js';
import { RequestRefused, type RequestGateway } from './request-gateway.js';

export interface AmqpIngressOptions {
  url: string;
  gateway: RequestGateway;
  queue?: string;
  deadLetterQueue?: string;
  /** Unacknowledged messages in flight (default 32). */
  prefetch?: number;
  /** Pause before a message that could not be taken now goes back to the queue (default 1 s). */
  retryDelayMs?: number;
  log: Logger;
  say: (line: string) => void;
}

export const DEFAULT_QUEUE = 'procos.requests';

/** Headers a dead-lettered message carries, so a person can see why. */
export const REASON_HEADER = 'x-procos-reason';
export const DETAIL_HEADER = 'x-procos-detail';

export class AmqpIngress {
  private model?: RecoveringChannelModel;
  private channel?: ConfirmChannel;
  private readonly queue: string;
  private readonly deadLetters: string;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: AmqpIngressOptions) {
    this.queue = o.queue ?? DEFAULT_QUEUE;
    this.deadLetters = o.deadLetterQueue ?? `${this.queue}.dead`;
  }

  async start(): Promise<void> {
    this.model = await connect(this.o.url, {
      recovery: {
        initialMaxRetries: 5,
        // After each (re)connection: the queues, the prefetch, the consumer.
        setup: async (model: ChannelModel): Promise<void> => {
          const ch = await model.createConfirmChannel();
          await ch.assertQueue(this.queue, { durable: true });
          await ch.assertQueue(this.deadLetters, { durable: true });
          await ch.prefetch(this.o.prefetch ?? 32);
          await ch.consume(this.queue, (msg: ConsumeMessage | null) => {
            if (msg) this.track(this.handle(ch, msg));
          });
          this.channel = ch;
        },
      },
    });
    this.model.on('disconnect', (err: Error) => {
      if (!this.stopping) this.o.say(`AMQP connection lost (${err.message}); reconnecting`);
    });
    this.model.on('reconnect-failed', (err: Error) => this.o.say(`AMQP: giving up reconnecting: ${err.message}`));
    this.o.gateway.onAnswered((r) => this.reply(r));
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async handle(ch: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const replyTo = typeof msg.properties.replyTo === 'string' ? msg.properties.replyTo : undefined;
    let body: unknown;
    try {
      body = JSON.parse(msg.content.toString('utf8'));
    } catch (err) {
      return this.deadLetter(ch, msg, 'InvalidJson', `the message is not JSON: ${(err as Error).message}`, replyTo);
    }
    const messageId = typeof msg.properties.messageId === 'string' ? msg.properties.messageId : undefined;
    if (messageId && typeof body === 'object' && body !== null && !('id' in body)) body = { ...body, id: messageId };
    try {
      const { record, duplicate } = await this.o.gateway.submit(body, { replyTo });
      ch.ack(msg);
      // A redelivered request that was answered already: answer again (the first reply may be lost).
      if (duplicate && (record.state === 'completed' || record.state === 'failed')) this.reply(record);
    } catch (err) {
      if (err instanceof RequestRefused && err.status < 500)
        return this.deadLetter(ch, msg, err.reason, err.message, replyTo);
      this.o.log.warn({ err: (err as Error).message }, 'AMQP request not taken now; giving it back to the queue');
      await new Promise((r) => setTimeout(r, this.o.retryDelayMs ?? 1000));
      ch.nack(msg, false, true);
    }
  }

  private async deadLetter(
    ch: ConfirmChannel,
    msg: ConsumeMessage,
    reason: string,
    detail: string,
    replyTo: string | undefined,
  ): Promise<void> {
    const headers = { ...(msg.properties.headers ?? {}), [REASON_HEADER]: reason, [DETAIL_HEADER]: detail };
    // Confirmed before the original is acknowledged: a crash in between keeps the message.
    await new Promise<void>((resolve, reject) =>
      ch.sendToQueue(this.deadLetters, msg.content, { ...msg.properties, headers, persistent: true }, (err) =>
        err ? reject(err as Error) : resolve(),
      ),
    );
    ch.ack(msg);
    this.o.log.info({ reason, detail }, `AMQP message dead-lettered to ${this.deadLetters}`);
    if (replyTo)
      this.send(replyTo, { state: 'refused', reason, detail }, msg.properties.messageId as string | undefined);
  }

  private reply(r: RequestRecord): void {
    if (!r.replyTo) return;
    this.send(
      r.replyTo,
      { id: r.id, type: r.type, state: r.state, instanceKey: r.instanceKey, result: r.result, error: r.error },
      r.id,
    );
  }

  private send(queue: string, body: unknown, correlationId: string | undefined): void {
    const ch = this.channel;
    if (!ch) return;
    ch.sendToQueue(queue, Buffer.from(JSON.stringify(body)), {
      contentType: 'application/json',
      ...(correlationId ? { correlationId } : {}),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
    await this.model?.close().catch(() => undefined);
  }
}
