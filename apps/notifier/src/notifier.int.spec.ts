/**
 * The notifier in process against the real Kafka and the real RabbitMQ. Each test declares
 * its own exchange (NOTIFY_EXCHANGE) and reads it through a queue bound with `#`, as a
 * subscriber would.
 */
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createEvent, topicNames, type FlowlineEvent } from '@flowline/event-schemas';
import { startServiceUnderTest, testInfra, uniqueName, waitFor, type ServiceUnderTest } from '@flowline/testing';
import { notifier } from './service';
import { TcpProxy } from './test-fixtures/tcp-proxy';

interface Subscriber {
  queue: string;
  /** Every message delivered, duplicates included. */
  messages: ConsumeMessage[];
  /** Message ids a receiver that drops duplicates by messageId applied: once each. */
  applied: string[];
  arrived(event: FlowlineEvent): Promise<ConsumeMessage>;
  deliveriesOf(event: FlowlineEvent): ConsumeMessage[];
}

let amqp: ChannelModel;
let channel: Channel;
let admin: Admin;
const exchanges: string[] = [];
const services: ServiceUnderTest[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  const infra = testInfra();
  amqp = await connect(infra.AMQP_URL);
  channel = await amqp.createChannel();
  admin = new Kafka({ brokers: infra.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
  for (const exchange of exchanges.splice(0)) await channel.deleteExchange(exchange);
});

afterAll(async () => {
  await amqp?.close();
  await admin?.disconnect();
});

/** A fresh exchange with an exclusive queue bound to it with `#`. */
async function subscribe(): Promise<Subscriber & { exchange: string }> {
  const exchange = uniqueName('test.notifications');
  await channel.assertExchange(exchange, 'topic', { durable: true });
  exchanges.push(exchange);
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, '#');
  const messages: ConsumeMessage[] = [];
  const applied: string[] = [];
  await channel.consume(
    queue,
    (message) => {
      if (message === null) return;
      messages.push(message);
      // The receiver's side of the contract: a messageId seen before is a duplicate, dropped.
      const id = String(message.properties.messageId);
      if (!applied.includes(id)) applied.push(id);
    },
    { noAck: true },
  );
  const deliveriesOf = (event: FlowlineEvent): ConsumeMessage[] =>
    messages.filter((message) => message.properties.messageId === event.id);
  return {
    exchange,
    queue,
    messages,
    applied,
    deliveriesOf,
    arrived: (event) =>
      waitFor(() => deliveriesOf(event)[0], { timeoutMs: 30_000, description: `the notification of ${event.id}` }),
  };
}

async function startNotifier(exchange: string, env: Record<string, string> = {}): Promise<ServiceUnderTest> {
  const running = await startServiceUnderTest(notifier, {
    env: { NOTIFY_EXCHANGE: exchange, NOTIFY_RETRY_MAX_DELAY_MS: '1000', AMQP_RECONNECT_MAX_DELAY_MS: '500', ...env },
  });
  services.push(running);
  return running;
}

function invoiceProcessed(invoiceNumber: string): FlowlineEvent<'invoice.processed'> {
  return createEvent(
    'invoice.processed',
    {
      documentSha256: 'b'.repeat(64),
      fields: {
        invoiceNumber,
        supplier: { name: 'Supplier GmbH' },
        currency: 'EUR',
        lines: [],
        total: { amountMinor: 133875, currency: 'EUR' },
      },
      validation: { valid: true, issues: [] },
      decision: 'approved',
    },
    { source: '/invoice-agent', subject: invoiceNumber },
  );
}

/** The offset the group will read next in partition 0 (-1: nothing committed yet). */
async function committedOffset(groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Number(offsets?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
}

/** The offset of the last message in partition 0. */
async function lastOffset(topic: string): Promise<number> {
  const partitions = await admin.fetchTopicOffsets(topic);
  return Number(partitions.find((p) => p.partition === 0)?.high) - 1;
}

function retryLogged(running: ServiceUnderTest, event: FlowlineEvent, attempt: number) {
  return running.waitForLog(
    (line) =>
      line['msg'] === 'handler failed; retrying' && line['event_id'] === event.id && Number(line['attempt']) >= attempt,
    { timeoutMs: 30_000 },
  );
}

async function readiness(
  running: ServiceUnderTest,
): Promise<{ status: number; rabbitmq?: { ok: boolean; error?: string } }> {
  const response = await fetch(running.url('/readyz'));
  const body = (await response.json()) as { checks?: { name: string; ok: boolean; error?: string }[] };
  return { status: response.status, rabbitmq: body.checks?.find((check) => check.name === 'rabbitmq') };
}

describe('notifier (in process, real Kafka and RabbitMQ)', () => {
  it('announces an event from events.domain: routing key = type, persistent, messageId = event id, the CloudEvent as body', async () => {
    const subscriber = await subscribe();
    const running = await startNotifier(subscriber.exchange);
    const event = invoiceProcessed('INV-1');
    await running.publish(topicNames(running.prefix).domainEvents, event);

    const message = await subscriber.arrived(event);
    expect(message.fields).toMatchObject({ exchange: subscriber.exchange, routingKey: 'invoice.processed' });
    expect(message.properties).toMatchObject({
      deliveryMode: 2,
      messageId: event.id,
      correlationId: event.correlationid,
      type: 'invoice.processed',
      contentType: 'application/cloudevents+json',
      timestamp: Math.floor(Date.parse(event.time) / 1_000),
    });
    expect(message.properties.headers).toMatchObject({
      'ce-id': event.id,
      'ce-type': 'invoice.processed',
      'ce-source': '/invoice-agent',
      'ce-correlationid': event.correlationid,
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/),
    });
    expect(JSON.parse(message.content.toString('utf8'))).toMatchObject({
      id: event.id,
      type: 'invoice.processed',
      source: '/invoice-agent',
      time: event.time,
      correlationid: event.correlationid,
      data: event.data,
    });
  });

  it('logs the AMQP URL with its password masked', async () => {
    const subscriber = await subscribe();
    const running = await startNotifier(subscriber.exchange);
    const config = running.logs().find((line) => line['msg'] === 'config loaded')?.['config'] as Record<string, string>;
    const password = new URL(testInfra().AMQP_URL).password;
    expect(config['AMQP_URL']).toContain(':[redacted]@');
    expect(config['AMQP_URL']).not.toContain(`:${password}@`);
  });

  it('announces a redelivered event again with the same messageId, so a receiver dropping by messageId applies it once', async () => {
    const subscriber = await subscribe();
    const running = await startNotifier(subscriber.exchange);
    const topic = topicNames(running.prefix).domainEvents;
    const event = invoiceProcessed('INV-2');
    await running.publish(topic, event);
    await subscriber.arrived(event);

    // The same event once more, as `flowline dlq redrive` or `flowline replay` sends it.
    await running.publish(topic, event);
    const [first, second] = await waitFor(
      () => (subscriber.deliveriesOf(event).length === 2 ? subscriber.deliveriesOf(event) : undefined),
      { description: 'the second delivery' },
    );
    expect(second?.properties.messageId).toBe(first?.properties.messageId);
    expect(second?.content.equals(first?.content ?? Buffer.alloc(0))).toBe(true);
    expect(subscriber.applied).toEqual([event.id]);
  });

  it('commits the offset only after the confirm: a publish to a deleted exchange is retried and arrives once it is back', async () => {
    const subscriber = await subscribe();
    // One partition, so the offsets below are the only ones.
    const running = await startNotifier(subscriber.exchange, { KAFKA_TOPIC_PARTITIONS: '1' });
    const topic = topicNames(running.prefix).domainEvents;
    const groupId = `${running.prefix}notifier`;
    const earlier = invoiceProcessed('INV-3');
    await running.publish(topic, earlier);
    await subscriber.arrived(earlier);

    await channel.deleteExchange(subscriber.exchange);
    const event = invoiceProcessed('INV-4');
    await running.publish(topic, event);
    const offset = await lastOffset(topic);

    // RabbitMQ closes the channel (404, no such exchange): the handler fails and is retried...
    const retry = await retryLogged(running, event, 2);
    expect(JSON.stringify(retry['err'])).toContain('NOT_FOUND');
    // ...and meanwhile the group's committed offset has not moved past the event.
    expect(await committedOffset(groupId, topic)).toBeLessThanOrEqual(offset);
    expect(subscriber.deliveriesOf(event)).toEqual([]);

    // An operator restores the exchange and its binding: the next attempt is confirmed.
    await channel.assertExchange(subscriber.exchange, 'topic', { durable: true });
    await channel.bindQueue(subscriber.queue, subscriber.exchange, '#');
    await subscriber.arrived(event);
    await waitFor(async () => (await committedOffset(groupId, topic)) === offset + 1, {
      description: 'the offset committed past the event',
    });
    expect(subscriber.applied).toEqual([earlier.id, event.id]);
  });

  it('while RabbitMQ is unreachable: not ready, events retried; after reconnecting they arrive', async () => {
    const subscriber = await subscribe();
    const direct = new URL(testInfra().AMQP_URL);
    const proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5672) });
    proxies.push(proxy);
    const proxied = new URL(direct);
    proxied.hostname = proxy.address.host;
    proxied.port = String(proxy.address.port);
    const running = await startNotifier(subscriber.exchange, { AMQP_URL: proxied.toString() });
    const topic = topicNames(running.prefix).domainEvents;
    const before = invoiceProcessed('INV-5');
    await running.publish(topic, before);
    await subscriber.arrived(before);
    expect((await readiness(running)).status).toBe(200);

    await proxy.cut();
    const down = await waitFor(async () => {
      const ready = await readiness(running);
      return ready.status === 503 && ready.rabbitmq?.ok === false ? ready.rabbitmq : undefined;
    });
    expect(down.error).toContain('RabbitMQ is not connected');

    const during = invoiceProcessed('INV-6');
    await running.publish(topic, during);
    // An outage: retried without spending the event's attempts (never dead-lettered for it).
    const retry = await running.waitForLog(
      (line) =>
        line['msg'] === 'a dependency is unavailable; retrying until it is back' && line['event_id'] === during.id,
      { timeoutMs: 30_000 },
    );
    expect(JSON.stringify(retry['err'])).toContain('RabbitMQ is not connected');

    await proxy.restore();
    await subscriber.arrived(during);
    await waitFor(async () => (await readiness(running)).status === 200, { description: 'ready again' });
    const metrics = await (await fetch(running.url('/metrics'))).text();
    expect(metrics).toMatch(/^flowline_rabbitmq_reconnects_total\{[^}]*\} 1$/m);
    expect(metrics).toMatch(/^flowline_notifications_published_total\{[^}]*type="invoice\.processed"[^}]*\} 2$/m);
    expect(subscriber.applied).toEqual([before.id, during.id]);
  });
});
