/**
 * Outbound webhooks end to end: the notifier in process against the real Kafka, PostgreSQL (a
 * scratch database) and RabbitMQ, delivering to a local HTTP receiver that verifies every
 * request with the `standardwebhooks` library (the reference implementation receivers use).
 * Subscriptions are added with the store the CLI uses. Retry schedules are short, jitter off;
 * loopback is allowed explicitly (the receiver is on 127.0.0.1), except where the test is the
 * refusal itself. Timing is asserted on the schedule the notifier wrote to the database, never
 * on the wall clock.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type ChannelModel } from 'amqplib';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import {
  createEvent,
  DLQ_HEADERS,
  topicNames,
  type DocumentProcessed,
  type EventDataMap,
  type FlowlineEvent,
  type InvoiceProcessed,
} from '@flowline/event-schemas';
import { SubscriptionStore, type Subscription } from '@flowline/subscriptions';
import {
  createScratchDatabase,
  startServiceUnderTest,
  testInfra,
  uniqueName,
  waitFor,
  type ScratchDatabase,
  type ServiceUnderTest,
} from '@flowline/testing';
import { notifier } from './service';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** What `standardwebhooks` verified: the parsed payload, or the error. */
  verified: unknown;
}

/** A receiver with a scripted answer per path (then 200), verifying each request's signature. */
class Receiver {
  readonly requests: Received[] = [];
  private readonly scripts = new Map<string, { status: number; headers?: Record<string, string> }[]>();
  private readonly secrets = new Map<string, string>();
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void this.handle(request).then(({ status, headers }) => {
        response.writeHead(status, headers);
        response.end(status < 300 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  /** A path of its own for one test, with the secret to verify it with and the answers to give. */
  endpoint(secret: string, answers: { status: number; headers?: Record<string, string> }[] = []): string {
    const path = `/hooks/${uniqueName('t')}`;
    this.scripts.set(path, [...answers]);
    this.secrets.set(path, secret);
    return `http://127.0.0.1:${this.port}${path}`;
  }

  to(url: string): Received[] {
    const path = new URL(url).pathname;
    return this.requests.filter((request) => request.path === path);
  }

  private async handle(request: IncomingMessage): Promise<{ status: number; headers?: Record<string, string> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(request.url ?? '/', 'http://receiver').pathname;
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : String(value),
      ]),
    );
    let verified: unknown;
    try {
      verified = new Webhook(this.secrets.get(path) ?? 'whsec_AAAA').verify(body, headers);
    } catch (error) {
      verified = error;
    }
    this.requests.push({ path, headers, body, verified });
    return this.scripts.get(path)?.shift() ?? { status: 200 };
  }
}

let database: ScratchDatabase;
let pool: pg.Pool;
let admin: Admin;
let amqp: ChannelModel;
const receiver = new Receiver();
const exchanges: string[] = [];
const services: ServiceUnderTest[] = [];
/** One notifier for the tests that need no config of their own; each test has its own subscriptions. */
let shared: ServiceUnderTest;

beforeAll(async () => {
  const infra = testInfra();
  database = await createScratchDatabase(infra.DATABASE_URL, 'notifier_webhooks');
  pool = new pg.Pool({ connectionString: database.url });
  admin = new Kafka({ brokers: infra.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  amqp = await connect(infra.AMQP_URL);
  await receiver.start();
  shared = await startNotifier();
  services.splice(0);
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
  // A test's subscriptions receive nothing of the next test's events.
  await pool.query('UPDATE webhook_subscriptions SET enabled = false WHERE tenant = $1', [shared.prefix]);
});

afterAll(async () => {
  await shared?.stop();
  const channel = await amqp.createChannel();
  for (const exchange of exchanges) await channel.deleteExchange(exchange);
  await amqp.close();
  await admin.disconnect();
  await receiver.stop();
  await pool.end();
  await database.drop();
});

const TEST_ENV = {
  NOTIFY_WEBHOOK_ALLOWED_NETWORKS: 'loopback',
  NOTIFY_WEBHOOK_RETRY_SCHEDULE: '0, 200ms, 200ms, 200ms',
  NOTIFY_WEBHOOK_RETRY_JITTER: '0',
  NOTIFY_WEBHOOK_POLL_INTERVAL_MS: '100',
  NOTIFY_WEBHOOK_DISABLE_AFTER_FAILURES: '5',
  NOTIFY_WEBHOOK_DISABLE_AFTER_MS: '0',
};

async function startNotifier(env: Record<string, string> = {}): Promise<ServiceUnderTest> {
  const exchange = uniqueName('test.webhooks');
  exchanges.push(exchange);
  const running = await startServiceUnderTest(notifier, {
    env: { DATABASE_URL: database.url, NOTIFY_EXCHANGE: exchange, ...TEST_ENV, ...env },
    outputs: (prefix) => {
      const topics = topicNames(prefix);
      return [topics.domainEvents, topics.deadLetter(topics.domainEvents)];
    },
  });
  services.push(running);
  return running;
}

function subscriptions(running: ServiceUnderTest): SubscriptionStore {
  return new SubscriptionStore(pool, running.prefix);
}

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const EXAMPLES: { 'invoice.processed': InvoiceProcessed; 'document.processed': DocumentProcessed } = {
  'invoice.processed': {
    documentSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    fields: {
      invoiceNumber: '2026-0117',
      issueDate: '2026-11-30',
      dueDate: '2026-12-30',
      supplier: { name: 'Supplier GmbH', vatId: 'DE123456789' },
      currency: 'EUR',
      lines: [
        {
          description: 'Consulting, November',
          quantity: '12.5',
          unitPrice: eur(9000),
          taxRatePercent: '19',
          net: eur(112500),
        },
      ],
      net: eur(112500),
      tax: eur(21375),
      total: eur(133875),
    },
    validation: { valid: true, issues: [] },
    decision: 'approved',
    confidence: 0.97,
  },
  'document.processed': { kind: 'other', text: 'minutes of the meeting', metadata: { origin: 'file' } },
};

function event<T extends keyof typeof EXAMPLES>(type: T, data?: EventDataMap[T]): FlowlineEvent<T> {
  return createEvent(type, (data ?? EXAMPLES[type]) as EventDataMap[T], { source: '/test' });
}

interface DeliveryRow {
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
}

async function deliveryOf(subscription: Subscription, eventId: string): Promise<DeliveryRow | undefined> {
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT status, attempts, next_attempt_at, last_attempt_at, last_status, last_error
       FROM outbound_webhook_deliveries WHERE subscription_id = $1 AND event_id = $2`,
    [subscription.id, eventId],
  );
  return rows[0];
}

function waitForDelivery(
  subscription: Subscription,
  eventId: string,
  until: (row: DeliveryRow) => boolean,
  description: string,
): Promise<DeliveryRow> {
  return waitFor(
    async () => {
      const row = await deliveryOf(subscription, eventId);
      return row !== undefined && until(row) ? row : undefined;
    },
    { timeoutMs: 30_000, description },
  );
}

/** The offsets the webhook consumer group committed on events.domain, summed: records it finished. */
/**
 * Whether the webhook consumer group has committed every record on the domain topic: what a
 * test published (and the notifier announced) before asking has been handled. Counting
 * commits from a starting sum would not do: an earlier test's commit can land in between.
 */
async function everyRecordHandled(running: ServiceUnderTest): Promise<true | undefined> {
  const topic = topicNames(running.prefix).domainEvents;
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: `${running.prefix}notifier-webhooks`, topics: [topic] }),
  ]);
  const position = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends.every((end) => Number(end.offset) === 0 || (position.get(end.partition) ?? -1) >= Number(end.offset))
    ? true
    : undefined;
}

describe('notifier: outbound webhooks', () => {
  it('delivers a signed CloudEvent that standardwebhooks verifies, webhook-id = event id', async () => {
    const running = shared;
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const url = receiver.endpoint(secret);
    const subscription = await subscriptions(running).add({ url, eventTypes: ['invoice.*'], secret });
    const processed = event('invoice.processed');
    await running.publish(topicNames(running.prefix).domainEvents, processed);

    const [request] = await waitFor(() => (receiver.to(url).length > 0 ? receiver.to(url) : undefined), {
      timeoutMs: 30_000,
      description: 'the delivery',
    });
    expect(request?.verified).toMatchObject({ id: processed.id, type: 'invoice.processed', data: processed.data });
    expect(request?.headers).toMatchObject({
      'webhook-id': processed.id,
      'content-type': 'application/cloudevents+json',
      'user-agent': 'flowline-notifier',
    });
    expect(JSON.parse(request?.body ?? '')).toMatchObject({
      specversion: '1.0',
      id: processed.id,
      source: '/test',
      correlationid: processed.correlationid,
    });
    expect(
      await waitForDelivery(subscription, processed.id, (row) => row.status === 'delivered', 'delivered'),
    ).toMatchObject({ attempts: 1, last_status: 200 });
    const metrics = await (await fetch(running.url('/metrics'))).text();
    expect(metrics).toMatch(/flowline_webhook_attempts_total\{outcome="delivered"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/flowline_webhook_deliveries_total\{outcome="delivered"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/flowline_webhook_attempt_seconds_count\{[^}]*\} [1-9]/);
  });

  it('retries a delivery that failed twice and delivers it the third time, same id and signature each time', async () => {
    const running = shared;
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const url = receiver.endpoint(secret, [{ status: 500 }, { status: 502 }]);
    const subscription = await subscriptions(running).add({ url, eventTypes: ['invoice.processed'], secret });
    const processed = event('invoice.processed');
    await running.publish(topicNames(running.prefix).domainEvents, processed);

    const row = await waitForDelivery(subscription, processed.id, (r) => r.status === 'delivered', 'delivered');
    expect(row).toMatchObject({ attempts: 3, last_status: 200, last_error: null });
    const requests = receiver.to(url);
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      expect(request.headers['webhook-id']).toBe(processed.id);
      expect(request.verified).toMatchObject({ id: processed.id });
    }
    expect(new Set(requests.map((request) => request.body)).size).toBe(1);
    // The run of failures ended with the success.
    expect(await subscriptions(running).get(subscription.id)).toMatchObject({ enabled: true, consecutiveFailures: 0 });
  });

  it('honours Retry-After on 429: the next attempt is scheduled that far ahead', async () => {
    const running = shared;
    const url = receiver.endpoint('whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', [
      { status: 429, headers: { 'retry-after': '3600' } },
    ]);
    const subscription = await subscriptions(running).add({
      url,
      eventTypes: ['document.processed'],
      secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    });
    const processed = event('document.processed');
    await running.publish(topicNames(running.prefix).domainEvents, processed);

    const row = await waitForDelivery(subscription, processed.id, (r) => r.attempts === 1, 'the first attempt');
    expect(row).toMatchObject({ status: 'pending', last_status: 429, last_error: 'HTTP 429' });
    // Scheduled 3600 s after the attempt, where the schedule alone says 200 ms.
    expect(row.next_attempt_at.getTime() - (row.last_attempt_at as Date).getTime()).toBe(3_600_000);
    expect(receiver.to(url)).toHaveLength(1);
  });

  it('disables the subscription on 410 Gone, announces it, and queues nothing more for it', async () => {
    const running = shared;
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const url = receiver.endpoint(secret, [{ status: 410 }]);
    const subscription = await subscriptions(running).add({ url: `${url}?token=abc`, eventTypes: ['**'], secret });
    const first = event('document.processed');
    await running.publish(topicNames(running.prefix).domainEvents, first);

    const announced = await running.probe!.waitFor(
      (message) =>
        message.event?.type === 'subscription.disabled' &&
        (message.event.data as { subscriptionId: string }).subscriptionId === subscription.id,
      { timeoutMs: 30_000 },
    );
    expect(announced.event?.data).toMatchObject({
      subscriptionId: subscription.id,
      endpoint: url,
      reason: 'gone',
      message: 'the endpoint answered 410 Gone',
      lastError: 'HTTP 410 Gone',
    });
    expect(await subscriptions(running).get(subscription.id)).toMatchObject({
      enabled: false,
      disabledReason: 'the endpoint answered 410 Gone',
    });
    // Announced once: marked so, and not published again at every poll of the dispatcher.
    await waitFor(
      async () => {
        const { rows } = await pool.query<{ announce_pending: boolean }>(
          'SELECT announce_pending FROM webhook_subscriptions WHERE tenant = $1 AND id = $2',
          [running.prefix, subscription.id],
        );
        return rows[0]?.announce_pending === false || undefined;
      },
      { timeoutMs: 30_000, description: 'the announcement marked as done' },
    );
    // Held, not dropped: delivered once the subscription is enabled again.
    expect(await deliveryOf(subscription, first.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: 410,
    });

    const second = event('document.processed');
    await running.publish(topicNames(running.prefix).domainEvents, second);
    // The announcement (on the topic already) and `second` were both handled: nothing queued for
    // the disabled endpoint.
    await waitFor(() => everyRecordHandled(running), {
      timeoutMs: 30_000,
      description: 'the webhook consumer to handle the announcement and the second event',
    });
    expect(await deliveryOf(subscription, second.id)).toBeUndefined();

    await subscriptions(running).enable(subscription.id);
    await waitForDelivery(subscription, first.id, (row) => row.status === 'delivered', 'the held delivery');
    expect(receiver.to(url)).toHaveLength(2);
  });

  it('disables an endpoint after a run of failures and announces subscription.disabled', async () => {
    const running = shared;
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const failing = Array.from({ length: 20 }, () => ({ status: 500 }));
    const url = receiver.endpoint(secret, failing);
    const subscription = await subscriptions(running).add({ url, eventTypes: ['document.processed'], secret });
    // Two events of four attempts each: the fifth failure in a row reaches the limit (5).
    await running.publish(
      topicNames(running.prefix).domainEvents,
      event('document.processed'),
      event('document.processed'),
    );

    const announced = await running.probe!.waitFor(
      (message) =>
        message.event?.type === 'subscription.disabled' &&
        (message.event.data as { subscriptionId: string }).subscriptionId === subscription.id,
      { timeoutMs: 30_000 },
    );
    expect(announced.event?.data).toMatchObject({
      subscriptionId: subscription.id,
      reason: 'failing',
      consecutiveFailures: 5,
      lastError: 'HTTP 500',
    });
    expect((announced.event?.data as { message: string }).message).toMatch(
      /^5 failed attempts in a row since \S+ \(last: HTTP 500\)$/,
    );
    expect(announced.event?.subject).toBe(subscription.id);
    // An attempt still in flight when it was disabled does not count: the run ended at 5.
    expect(await subscriptions(running).get(subscription.id)).toMatchObject({ enabled: false, consecutiveFailures: 5 });
    const metrics = await (await fetch(running.url('/metrics'))).text();
    expect(metrics).toMatch(/flowline_webhook_endpoints_disabled_total\{reason="failing"[^}]*\} [1-9]/);
  });

  it('dead-letters a delivery after its last attempt, and a redrive of it delivers it again', async () => {
    const running = shared;
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const url = receiver.endpoint(secret, [{ status: 500 }, { status: 500 }, { status: 503 }, { status: 500 }]);
    const subscription = await subscriptions(running).add({ url, eventTypes: ['document.processed'], secret });
    const processed = event('document.processed');
    const topics = topicNames(running.prefix);
    await running.publish(topics.domainEvents, processed);

    const deadLetter = await running.probe!.waitFor(
      (message) => message.topic === topics.deadLetter(topics.domainEvents) && message.event?.id === processed.id,
      { timeoutMs: 30_000 },
    );
    expect(deadLetter.headers[DLQ_HEADERS.reason]).toBe(`webhook to ${url} failed 4 times; last: HTTP 500`);
    expect(deadLetter.headers[DLQ_HEADERS.errorCode]).toBe('WEBHOOK_DELIVERY_FAILED');
    expect(deadLetter.headers[DLQ_HEADERS.attempts]).toBe('4');
    expect(deadLetter.headers[DLQ_HEADERS.originalTopic]).toBe(topics.domainEvents);
    expect(await waitForDelivery(subscription, processed.id, (r) => r.status === 'dead', 'dead')).toMatchObject({
      attempts: 4,
    });

    // `flowline dlq redrive` republishes the dead letter to events.domain with the same id.
    await running.publish(topics.domainEvents, processed);
    const row = await waitForDelivery(subscription, processed.id, (r) => r.status === 'delivered', 'redelivered');
    expect(row).toMatchObject({ attempts: 1, last_status: 200 });
    expect(receiver.to(url)).toHaveLength(5);
  });

  it('delivers a redelivered event once per subscription (the inbox drops it by id)', async () => {
    const running = shared;
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const first = receiver.endpoint(secret);
    const second = receiver.endpoint(secret);
    await subscriptions(running).add({ url: first, eventTypes: ['invoice.processed'], secret });
    await subscriptions(running).add({ url: second, eventTypes: ['invoice.*'], secret });
    const processed = event('invoice.processed');
    const topics = topicNames(running.prefix);
    await running.publish(topics.domainEvents, processed);
    await running.publish(topics.domainEvents, processed);

    await waitFor(() => everyRecordHandled(running), {
      timeoutMs: 30_000,
      description: 'both records handled',
    });
    const { rows } = await pool.query<{ status: string }>(
      `SELECT status FROM outbound_webhook_deliveries WHERE tenant = $1 AND event_id = $2`,
      [running.prefix, processed.id],
    );
    expect(rows).toHaveLength(2);
    await waitFor(() => (receiver.to(first).length === 1 && receiver.to(second).length === 1 ? true : undefined), {
      timeoutMs: 30_000,
      description: 'one delivery to each',
    });
    await waitFor(
      async () => {
        const { rows: delivered } = await pool.query(
          `SELECT 1 FROM outbound_webhook_deliveries WHERE tenant = $1 AND event_id = $2 AND status = 'delivered'`,
          [running.prefix, processed.id],
        );
        return delivered.length === 2 ? true : undefined;
      },
      { timeoutMs: 30_000, description: 'both delivered' },
    );
    expect(receiver.to(first)).toHaveLength(1);
    expect(receiver.to(second)).toHaveLength(1);
  });

  it('selects by content: only events whose data matches the filter are delivered', async () => {
    const running = shared;
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const url = receiver.endpoint(secret);
    const subscription = await subscriptions(running).add({
      url,
      eventTypes: ['invoice.processed'],
      secret,
      // Quantities travel as decimal strings ("12.5"): compared as numbers with a number literal.
      filter:
        'data.fields.total.amountMinor > 100000 and data.fields.currency == "EUR" and data.fields.lines[0].quantity >= 12.5',
    });
    const example = EXAMPLES['invoice.processed'];
    const big = event('invoice.processed');
    const small = event('invoice.processed', {
      ...example,
      fields: { ...example.fields, total: { amountMinor: 9_900, currency: 'EUR' } },
    });
    const dollars = event('invoice.processed', { ...example, fields: { ...example.fields, currency: 'USD' } });
    await running.publish(topicNames(running.prefix).domainEvents, small, dollars, big);

    await waitForDelivery(subscription, big.id, (row) => row.status === 'delivered', 'the matching event');
    await waitFor(() => everyRecordHandled(running), {
      timeoutMs: 30_000,
      description: 'all three handled',
    });
    expect(await deliveryOf(subscription, small.id)).toBeUndefined();
    expect(await deliveryOf(subscription, dollars.id)).toBeUndefined();
    expect(receiver.to(url).map((request) => request.headers['webhook-id'])).toEqual([big.id]);
    // An event no subscription takes costs one read: no inbox transaction, no row kept.
    const inboxed = await pool.query<{ event_id: string }>(
      'SELECT event_id FROM flowline_inbox WHERE event_id = ANY($1::text[])',
      [[small.id, dollars.id, big.id]],
    );
    expect(inboxed.rows.map((row) => row.event_id)).toEqual([big.id]);
  });

  it('disables a stored subscription whose filter no longer compiles, and delivers to the others', async () => {
    const running = shared;
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const url = receiver.endpoint(secret);
    const good = await subscriptions(running).add({ url, eventTypes: ['document.processed'], secret });
    const broken = await subscriptions(running).add({
      url: receiver.endpoint(secret),
      eventTypes: ['document.processed'],
      secret,
    });
    // Written around `add` (by hand, or by an older version with another grammar).
    await pool.query(`UPDATE webhook_subscriptions SET filter = 'data.kind ==' WHERE id = $1`, [broken.id]);
    const processed = event('document.processed');
    await running.publish(topicNames(running.prefix).domainEvents, processed);

    await waitForDelivery(good, processed.id, (row) => row.status === 'delivered', 'delivered to the good one');
    expect(await deliveryOf(broken, processed.id)).toBeUndefined();
    expect(await subscriptions(running).get(broken.id)).toMatchObject({
      enabled: false,
      disabledReason: expect.stringMatching(
        /^its filters do not compile: expected a value, a path or "\(", found the end at position 13/,
      ) as unknown,
    });
  });

  it('shares the queue between two instances: each delivery is sent once', async () => {
    const running = shared;
    const { PORT: _port, ...sameTenant } = shared.env;
    const other = await startServiceUnderTest(notifier, { env: sameTenant });
    services.push(other);
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    // A few first attempts fail (fewer than the 5 that disable), so retries are claimed by whichever instance is free.
    const url = receiver.endpoint(
      secret,
      Array.from({ length: 4 }, () => ({ status: 503 })),
    );
    const subscription = await subscriptions(running).add({ url, eventTypes: ['document.processed'], secret });
    const events = Array.from({ length: 30 }, () => event('document.processed'));
    await running.publish(topicNames(running.prefix).domainEvents, ...events);

    await waitFor(
      async () => {
        const { rows } = await pool.query<{ delivered: string }>(
          `SELECT count(*) AS delivered FROM outbound_webhook_deliveries
            WHERE subscription_id = $1 AND status = 'delivered'`,
          [subscription.id],
        );
        return Number(rows[0]?.delivered) === events.length ? true : undefined;
      },
      { timeoutMs: 30_000, description: 'every event delivered' },
    );
    const delivered = receiver
      .to(url)
      .filter((_, index) => index >= 4)
      .map((request) => request.headers['webhook-id']);
    expect(receiver.to(url)).toHaveLength(events.length + 4);
    expect(new Set(delivered).size).toBe(events.length);
    expect(new Set(delivered)).toEqual(new Set(events.map((each) => each.id)));
  });

  it('refuses a private address after resolving the name (localhost), and sends nothing', async () => {
    const running = await startNotifier({ NOTIFY_WEBHOOK_ALLOWED_NETWORKS: '' });
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const url = receiver.endpoint(secret).replace('127.0.0.1', 'localhost');
    const subscription = await subscriptions(running).add({ url, eventTypes: ['document.processed'], secret });
    const processed = event('document.processed');
    await running.publish(topicNames(running.prefix).domainEvents, processed);

    const row = await waitForDelivery(subscription, processed.id, (r) => r.attempts >= 1, 'the first attempt');
    expect(row.last_error).toMatch(
      /^address refused: localhost → (127\.0\.0\.1|::1) is loopback, not allowed \(NOTIFY_WEBHOOK_ALLOWED_NETWORKS\)$/,
    );
    expect(row.last_status).toBeNull();
    expect(receiver.to(url)).toHaveLength(0);
    const metrics = await (await fetch(running.url('/metrics'))).text();
    expect(metrics).toMatch(/flowline_webhook_attempts_total\{outcome="refused"[^}]*\} [1-9]/);
  });

  it('keeps a pending retry across a restart: the next instance delivers it', async () => {
    const env = { NOTIFY_WEBHOOK_RETRY_SCHEDULE: '0, 3s' };
    const first = await startNotifier(env);
    const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const url = receiver.endpoint(secret, [{ status: 500 }]);
    const subscription = await subscriptions(first).add({ url, eventTypes: ['document.processed'], secret });
    const processed = event('document.processed');
    await first.publish(topicNames(first.prefix).domainEvents, processed);
    await waitForDelivery(subscription, processed.id, (r) => r.attempts === 1, 'the failed first attempt');
    await first.stop();
    services.splice(services.indexOf(first), 1);
    expect(receiver.to(url)).toHaveLength(1);
    expect(await deliveryOf(subscription, processed.id)).toMatchObject({ status: 'pending', attempts: 1 });

    const second = await startServiceUnderTest(notifier, { env: first.env });
    services.push(second);
    await waitForDelivery(subscription, processed.id, (r) => r.status === 'delivered', 'delivered after the restart');
    const requests = receiver.to(url);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.headers['webhook-id']).toBe(processed.id);
    expect(requests[1]?.verified).toMatchObject({ id: processed.id });
  });
});
