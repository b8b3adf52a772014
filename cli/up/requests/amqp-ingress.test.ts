// The AMQP door with a real RabbitMQ (Debian's rabbitmq-server, one broker for this file) and
// procos up running the system processes: requests from a queue, answers to reply_to, poison
// messages to the dead-letter queue with the reason, and nothing lost while the system is down.
import { join } from 'node:path';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../lib/cli/version.js';
import { startRabbitMQ, type RabbitMQ } from '../../../lib/testing/rabbitmq.js';
import { waitFor } from '../../../lib/testing/wait-for.js';
import { startUp, stopAll, type UpHarness } from '../testing/up-harness.js';
import { DETAIL_HEADER, REASON_HEADER } from './amqp-ingress.js';

const PROCESSES = join(projectRoot(), 'processes');
const WAIT = { timeoutMs: 60_000 };

let broker: RabbitMQ;
let connection: ChannelModel;
let channel: Channel;

beforeAll(async () => {
  broker = await startRabbitMQ();
  connection = await connect(broker.url);
  channel = await connection.createChannel();
}, 240_000);

afterAll(async () => {
  await connection.close().catch(() => undefined);
  await broker.stop();
}, 60_000);

afterEach(stopAll);

let queueNumber = 0;

/** procos up on its own queue of the shared broker. */
async function up(queue = `requests-${++queueNumber}`): Promise<{ h: UpHarness; queue: string }> {
  const h = await startUp({ from: PROCESSES, options: { amqpUrl: broker.url, amqpQueue: queue } });
  return { h, queue };
}

/** An exclusive reply queue and the messages that arrive on it. */
async function replies(): Promise<{ name: string; received: ConsumeMessage[] }> {
  const q = await channel.assertQueue('', { exclusive: true });
  const received: ConsumeMessage[] = [];
  await channel.consume(q.queue, (m) => m && received.push(m), { noAck: true });
  return { name: q.queue, received };
}

const json = (m: ConsumeMessage): Record<string, unknown> =>
  JSON.parse(m.content.toString()) as Record<string, unknown>;

async function messagesPublished(h: UpHarness): Promise<number> {
  const text = await (await fetch(`${h.system.record.monitoringUrl ?? ''}/metrics`)).text();
  return Number(/^procos_engine_events_total\{type="MESSAGE_PUBLISHED"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

describe('AMQP ingress', () => {
  it('takes a request from the queue and answers to reply_to; a redelivered id starts no second instance', async () => {
    const { h, queue } = await up();
    const box = await replies();
    const before = await messagesPublished(h);
    const request = Buffer.from(JSON.stringify({ type: 'echo', payload: { via: 'amqp' } }));
    channel.sendToQueue(queue, request, { replyTo: box.name, messageId: 'amqp-1', contentType: 'application/json' });
    const [answer] = await waitFor(
      'the answer on reply_to',
      () => (box.received.length ? box.received : undefined),
      WAIT,
    );
    expect(answer?.properties.correlationId).toBe('amqp-1');
    expect(json(answer as ConsumeMessage)).toMatchObject({
      id: 'amqp-1',
      state: 'completed',
      result: { echo: { via: 'amqp' } },
    });

    // The same message again (a redelivery): answered again from the log, no second instance.
    channel.sendToQueue(queue, request, { replyTo: box.name, messageId: 'amqp-1' });
    await waitFor('the second answer', () => (box.received.length === 2 ? true : undefined), WAIT);
    expect(json(box.received[1] as ConsumeMessage)).toMatchObject({ id: 'amqp-1', state: 'completed' });
    expect(await messagesPublished(h)).toBe(before + 1);
    expect((await channel.checkQueue(queue)).messageCount).toBe(0); // acknowledged
  });

  it('dead-letters what can never succeed, with the reason, and tells reply_to', async () => {
    const { h, queue } = await up();
    const box = await replies();
    const before = await messagesPublished(h);
    channel.sendToQueue(queue, Buffer.from('{not json'), { replyTo: box.name, messageId: 'bad-1' });
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ type: 'no-such-type' })), { messageId: 'bad-2' });
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ type: 'echo', payload: 7 })), { messageId: 'bad-3' });
    const dead: ConsumeMessage[] = [];
    await channel.consume(`${queue}.dead`, (m) => m && dead.push(m), { noAck: true });
    await waitFor('three dead letters', () => (dead.length === 3 ? true : undefined), WAIT);
    const reasons = Object.fromEntries(
      dead.map((m) => [m.properties.messageId as string, m.properties.headers?.[REASON_HEADER] as string]),
    );
    expect(reasons).toEqual({ 'bad-1': 'InvalidJson', 'bad-2': 'UnknownRequestType', 'bad-3': 'InvalidPayload' });
    expect(dead.find((m) => m.properties.messageId === 'bad-3')?.properties.headers?.[DETAIL_HEADER]).toContain(
      'payload: must be object',
    );
    await waitFor('the refusal on reply_to', () => (box.received.length ? true : undefined), WAIT);
    expect(json(box.received[0] as ConsumeMessage)).toMatchObject({ state: 'refused', reason: 'InvalidJson' });
    expect(await messagesPublished(h)).toBe(before);
  });

  it('loses nothing sent while the system is down: the queue holds it until procos up takes it', async () => {
    const queue = `requests-${++queueNumber}`;
    await channel.assertQueue(queue, { durable: true });
    const box = await replies();
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ type: 'echo', payload: { early: true } })), {
      replyTo: box.name,
      messageId: 'early-1',
    });
    await up(queue);
    const [answer] = await waitFor('the answer', () => (box.received.length ? box.received : undefined), WAIT);
    expect(json(answer as ConsumeMessage)).toMatchObject({
      id: 'early-1',
      state: 'completed',
      result: { echo: { early: true } },
    });
  });
});
