import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startRabbitMQ, type RabbitMQ } from './rabbitmq.js';
import { waitFor } from './wait-for.js';

// Two brokers for the whole file, started together: a broker start costs seconds.
let first: RabbitMQ;
let second: RabbitMQ;

beforeAll(async () => {
  [first, second] = await Promise.all([startRabbitMQ(), startRabbitMQ()]);
}, 240_000);

afterAll(async () => {
  // Undefined when the start failed; stop() may run twice (the last test stops `second`).
  await Promise.all(
    [first, second].map(async (broker) => {
      await (broker as RabbitMQ | undefined)?.stop();
    }),
  );
}, 60_000);

async function open(broker: RabbitMQ): Promise<ChannelModel> {
  const connection = await connect(broker.url);
  onTestFinished(() => connection.close().catch(() => undefined));
  return connection;
}

/** `ps` lines (with environments) that mention the instance: its folder, node or epmd port. */
function processesOf(broker: RabbitMQ): string[] {
  return execFileSync('ps', ['e', '-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => [broker.dir, broker.nodeName, `epmd -port ${broker.epmdPort} `].some((s) => line.includes(s)));
}

describe('startRabbitMQ', () => {
  it('delivers a message published to a queue back to a consumer', async () => {
    const channel = await (await open(first)).createChannel();
    await channel.assertQueue('greetings');
    channel.sendToQueue('greetings', Buffer.from('hello'), { contentType: 'text/plain' });

    const received = await new Promise<ConsumeMessage>((resolve) => {
      void channel.consume('greetings', (msg) => msg && resolve(msg), { noAck: true });
    });

    expect(received.content.toString()).toBe('hello');
    expect(received.properties.contentType).toBe('text/plain');
  });

  it('dead-letters a message rejected without requeue to the DLQ, with an x-death header', async () => {
    const channel = await (await open(first)).createChannel();
    await channel.assertExchange('orders.dlx', 'fanout');
    await channel.assertQueue('orders.dlq');
    await channel.bindQueue('orders.dlq', 'orders.dlx', '');
    await channel.assertQueue('orders', { deadLetterExchange: 'orders.dlx' });
    await channel.consume('orders', (msg) => msg && channel.nack(msg, false, false));

    channel.sendToQueue('orders', Buffer.from('{"id":1}'), { messageId: 'order-1' });
    const dead = await waitFor(
      'the rejected message in orders.dlq',
      async () => (await channel.get('orders.dlq')) || undefined,
    );

    expect(dead.content.toString()).toBe('{"id":1}');
    expect(dead.properties.messageId).toBe('order-1');
    expect(dead.properties.headers?.['x-first-death-reason']).toBe('rejected');
    expect(dead.properties.headers?.['x-death']).toEqual([
      expect.objectContaining({ queue: 'orders', reason: 'rejected', count: 1, 'routing-keys': ['orders'] }),
    ]);
  });

  it('runs two brokers started at once apart: own ports, node, folder, and queues', async () => {
    expect(
      new Set([first.amqpPort, first.distPort, first.epmdPort, second.amqpPort, second.distPort, second.epmdPort]).size,
    ).toBe(6);
    expect(first.nodeName).not.toBe(second.nodeName);
    expect(first.dir).not.toBe(second.dir);

    const onFirst = await (await open(first)).createChannel();
    await onFirst.assertQueue('only-on-first');
    const onSecond = await (await open(second)).createChannel();
    // amqplib reports the channel the 404 closes as an 'error' event too, besides the rejection.
    onSecond.on('error', () => undefined);
    // An unknown queue closes the channel with 404: the second broker never heard of it.
    await expect(onSecond.checkQueue('only-on-first')).rejects.toThrow(/404/);
  });

  it('refuses a login with the other broker’s credentials', async () => {
    const wrongPassword = second.url.replace(`:${second.amqpPort}`, `:${first.amqpPort}`);
    await expect(connect(wrongPassword)).rejects.toThrow(/ACCESS_REFUSED|403/);
  });

  it('leaves no process and no folder behind after stop(), and the other broker keeps serving', async () => {
    expect(processesOf(second).some((line) => line.includes('beam.smp'))).toBe(true);

    await second.stop();

    expect(processesOf(second)).toEqual([]);
    expect(existsSync(second.dir)).toBe(false);
    await expect(connect(second.url)).rejects.toThrow(/ECONNREFUSED/);
    const channel = await (await open(first)).createChannel();
    await expect(channel.checkQueue('only-on-first')).resolves.toMatchObject({ queue: 'only-on-first' });
  }, 60_000);
});
