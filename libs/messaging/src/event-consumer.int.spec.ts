/**
 * The consumer runtime in-process on the real broker: retries, dead letters with their
 * headers, partitions progressing independently, readiness.
 */
import { Admin, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { createEvent, encodeEvent, FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { createLogger } from '@flowline/telemetry';
import { testInfra, TopicProbe, uniqueName, waitFor } from '@flowline/testing';
import { DLQ_HEADERS } from './dead-letter';
import { NonRetryableError, RetryableError } from './errors';
import type { EventConsumerOptions } from './event-consumer';
import type { EventPublisher } from './event-publisher';
import { MessagingClient } from './messaging-client';
import { writeInTransactions } from './test-fixtures/transactions';

const logger = createLogger({ service: 'messaging-test', level: 'silent' });
const fastRetry = { maxAttempts: 4, initialDelayMs: 20, maxDelayMs: 100 };

function sample(label: string): FlowlineEvent {
  return createEvent('webhook.received', { source: 'test', payload: { label } }, { source: '/messaging-test' });
}

describe('event consumer on the real broker', () => {
  const { KAFKA_BROKERS } = testInfra();
  const brokers = KAFKA_BROKERS.split(',');
  const raw = new Kafka({ clientId: 'messaging-test', brokers, logLevel: logLevel.NOTHING });
  const messaging = new MessagingClient({ brokers, clientId: 'messaging-test', logger });
  let publisher: EventPublisher;
  let topic: string;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    publisher = messaging.createPublisher();
    await publisher.start();
  });
  afterAll(() => publisher.stop());

  beforeEach(async () => {
    topic = uniqueName('consumer-test');
    await messaging.ensureTopics([{ name: topic, partitions: 2 }]);
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function startConsumer(options: Partial<EventConsumerOptions> & Pick<EventConsumerOptions, 'handle'>) {
    const consumer = messaging.createConsumer({
      groupId: uniqueName('group'),
      topics: [topic],
      publisher,
      retry: fastRetry,
      ...options,
    });
    await consumer.start();
    stops.push(() => consumer.stop());
    return consumer;
  }

  async function probe(topics: string[]): Promise<TopicProbe> {
    const started = await TopicProbe.start(KAFKA_BROKERS, topics);
    stops.push(() => started.stop());
    return started;
  }

  async function committedCount(groupId: string): Promise<number> {
    const admin = raw.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }

  /** The group's only member while the group is stable, as the broker reports it. */
  async function stableMemberOf(admin: Admin, groupId: string): Promise<string | undefined> {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return group?.state === 'Stable' && group.members.length === 1 ? group.members[0]?.memberId : undefined;
  }

  it('retries a transient failure and commits once the handler succeeds', async () => {
    const event = sample('transient');
    await publisher.publish(topic, event);
    const attempts: number[] = [];
    const groupId = uniqueName('group');
    const consumer = await startConsumer({
      groupId,
      handle: (_received, context) => {
        attempts.push(context.attempt);
        return context.attempt < 3 ? Promise.reject(new RetryableError('dependency timed out')) : Promise.resolve();
      },
    });
    await waitFor(() => attempts.includes(3), { description: 'the third attempt' });
    await waitFor(async () => (await committedCount(groupId)) === 1, { description: 'the commit' });
    await consumer.stop();
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('commits past transaction markers and aborted records, so a consumer that handled everything has no lag', async () => {
    const { handled, reached, events } = await consumeTransactions({});
    // Partition 0 gets, one after another: first and its commit marker (offsets 0-1), aborted
    // and its abort marker (2-3), last and its commit marker (4-5). The aborted transaction
    // reaches the consumer as records it never sees at all.
    expect(reached).toEqual([2, 4, 6]);
    expect(handled).toEqual([events.first.id, events.last.id]);
  });

  it('in transactional mode, commits past a commit marker in the transaction of the message before it', async () => {
    const { handled, reached, events } = await consumeTransactions({ transactional: true });
    // No plain commit past the aborted records (it could overtake a transaction's offsets):
    // the group moves past them with the next transaction.
    expect(reached).toEqual([2, 2, 6]);
    expect(handled).toEqual([events.first.id, events.last.id]);
  });

  /** Writes three transactions one after another (committed, aborted, committed) and records the group's committed offset after each. */
  async function consumeTransactions(options: Partial<EventConsumerOptions>) {
    const events = { first: sample('committed 1'), aborted: sample('aborted'), last: sample('committed 2') };
    const handled: string[] = [];
    const groupId = uniqueName('group');
    await startConsumer({
      ...options,
      groupId,
      handle: (received) => {
        handled.push(received.id);
        return Promise.resolve();
      },
    });
    const reached: number[] = [];
    for (const [event, commit, expected] of [
      [events.first, true, 2],
      [events.aborted, false, 4],
      [events.last, true, 6],
    ] as const) {
      await writeInTransactions(raw, topic, [{ event, commit }]);
      if (commit) await waitFor(() => handled.includes(event.id), { description: `${event.id} handled` });
      // The commit past what follows the event comes once it is handled (for the aborted one, without any handler call).
      const committed = () => committedCount(groupId);
      await waitFor(async () => (await committed()) === expected, {
        description: `offset ${expected}`,
        timeoutMs: 5_000,
      }).catch(() => undefined);
      reached.push(await committed());
    }
    return { handled, reached, events };
  }

  it('dead-letters a permanent failure at once, with every header an operator needs', async () => {
    const event = sample('permanent');
    await publisher.publish(topic, event);
    let calls = 0;
    await startConsumer({
      handle: () => {
        calls += 1;
        return Promise.reject(new NonRetryableError('invoice total is negative'));
      },
    });
    const dlq = await probe([topicNames().deadLetter(topic)]); // the consumer creates the dead-letter topic at start
    const dead = await dlq.waitFor((m) => m.event?.id === event.id);
    expect(calls).toBe(1);
    expect(dead.event).toEqual(event); // the original, redrivable with its id
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'invoice total is negative',
      [DLQ_HEADERS.errorClass]: 'NonRetryableError',
      [DLQ_HEADERS.errorCode]: 'NON_RETRYABLE',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.originalTopic]: topic,
    });
    expect(dead.headers[DLQ_HEADERS.stack]).toContain('NonRetryableError: invoice total is negative');
    expect(dead.headers[DLQ_HEADERS.originalPartition]).toMatch(/^[01]$/);
    expect(dead.headers[DLQ_HEADERS.originalOffset]).toBe('0');
    expect(Date.parse(dead.headers[DLQ_HEADERS.firstFailure] ?? '')).not.toBeNaN();
  });

  it('dead-letters after the configured attempts, recording first and last failure', async () => {
    const event = sample('always failing');
    await publisher.publish(topic, event);
    await startConsumer({ handle: () => Promise.reject(new TypeError('cannot read properties of undefined')) });
    const dlq = await probe([topicNames().deadLetter(topic)]);
    const dead = await dlq.waitFor((m) => m.event?.id === event.id);
    expect(dead.headers[DLQ_HEADERS.attempts]).toBe(String(fastRetry.maxAttempts));
    expect(dead.headers[DLQ_HEADERS.errorClass]).toBe('TypeError');
    expect(Date.parse(dead.headers[DLQ_HEADERS.lastFailure]!)).toBeGreaterThan(
      Date.parse(dead.headers[DLQ_HEADERS.firstFailure]!),
    );
  });

  it('waits out a dependency that is down past the attempts budget, instead of dead-lettering the event', async () => {
    const event = sample('database restarting');
    await publisher.publish(topic, event);
    const attempts: number[] = [];
    const groupId = uniqueName('group');
    const downFor = fastRetry.maxAttempts * 2;
    await startConsumer({
      groupId,
      handle: async (_received, context) => {
        attempts.push(context.attempt);
        // A real refused connection (nothing listens on port 1), as a handler sees a stopped database.
        if (context.attempt <= downFor) await new pg.Client({ host: '127.0.0.1', port: 1 }).connect();
      },
    });
    await waitFor(async () => (await committedCount(groupId)) === 1, { description: 'the commit', timeoutMs: 30_000 });
    expect(attempts).toEqual(Array.from({ length: downFor + 1 }, (_, i) => i + 1));
  });

  it('sends a message that is not a CloudEvent to the dead-letter topic and moves on', async () => {
    const producer = raw.producer();
    await producer.connect();
    const good = sample('after the bad one');
    await producer.send({
      topic,
      messages: [
        { partition: 0, value: 'not an event' },
        { ...encodeEvent(good), partition: 0 },
      ],
    });
    await producer.disconnect();
    const handled: string[] = [];
    await startConsumer({
      handle: (event) => {
        handled.push(event.id);
        return Promise.resolve();
      },
    });
    const dlq = await probe([topicNames().deadLetter(topic)]);
    const dead = await dlq.waitFor(() => true);
    expect(dead.value).toBe('not an event');
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.errorClass]: 'NotACloudEvent',
      [DLQ_HEADERS.errorCode]: 'NOT_A_CLOUDEVENT',
    });
    await waitFor(() => handled.includes(good.id), { description: 'the good event after the bad one' });
  });

  it('keeps other partitions moving while one partition waits to retry', async () => {
    const stuck = sample('stuck on partition 0');
    const producer = raw.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ ...encodeEvent(stuck), partition: 0 }] });
    let stuckAttempts = 0;
    const freeHandled: string[] = [];
    await startConsumer({
      // One partition at a time, and retries far apart: progress elsewhere can only come
      // from the retry waiting outside the fetch loop.
      partitionsConcurrently: 1,
      retry: { maxAttempts: 3, initialDelayMs: 60_000, maxDelayMs: 60_000 },
      handle: (event) => {
        if (event.id === stuck.id) {
          stuckAttempts += 1;
          return Promise.reject(new RetryableError('dependency down'));
        }
        freeHandled.push(event.id);
        return Promise.resolve();
      },
    });
    await waitFor(() => stuckAttempts === 1, { description: 'the first failure on partition 0' });
    // Produced after partition 0 started waiting: these arrive in later fetches.
    const free = [sample('free 1'), sample('free 2'), sample('free 3')];
    await producer.send({ topic, messages: free.map((event) => ({ ...encodeEvent(event), partition: 1 })) });
    await producer.disconnect();
    await waitFor(() => freeHandled.length === free.length, { description: 'partition 1 while partition 0 waits' });
    expect(freeHandled).toEqual(free.map((event) => event.id)); // in order
    expect(stuckAttempts).toBe(1); // still waiting for its retry
  });

  it('stays in its group through a handler that runs longer than the session timeout, so the message is handled once', async () => {
    const slow = sample('slow');
    await publisher.publish(topic, slow);
    const groupId = uniqueName('group');
    // The broker's smallest session timeout; the handler outlasts it.
    const sessionTimeoutMs = 6_000;
    const admin = raw.admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    const handled: string[] = [];
    const membershipChanges: string[] = [];
    await startConsumer({
      groupId,
      sessionTimeoutMs,
      handle: async (event) => {
        handled.push(event.id);
        if (handled.length > 1) return;
        // Held until the broker, asked again and again, still lists the same member in a stable
        // group when a session timeout and a half have passed since the handler began (the half
        // covers the broker's own expiry check). A member that stopped heartbeating would be
        // gone by then.
        const began = Date.now();
        const member = await waitFor(() => stableMemberOf(admin, groupId), {
          description: 'the member at the start of the handler',
        });
        await waitFor(
          async () => {
            const now = await stableMemberOf(admin, groupId);
            if (now !== member) {
              membershipChanges.push(`${member} became ${now ?? 'no stable member'}`);
              return true;
            }
            return Date.now() - began >= sessionTimeoutMs * 1.5;
          },
          { timeoutMs: 60_000, intervalMs: 500, description: 'a session timeout and a half as a member' },
        );
      },
    });
    await waitFor(async () => (await committedCount(groupId)) === 1, {
      timeoutMs: 90_000,
      description: 'the slow message committed',
    });
    expect(membershipChanges).toEqual([]);
    // An evicted member's commit fails and the message is fetched and handled again.
    expect(handled).toEqual([slow.id]);
  });

  it('publishes what a handler emits only when it succeeds, and only once', async () => {
    const output = uniqueName('consumer-output');
    await messaging.ensureTopics([{ name: output, partitions: 1 }]);
    const event = sample('emits');
    await publisher.publish(topic, event);
    const out = await probe([output]);
    const consumer = await startConsumer({
      handle: (received, context) => {
        context.publish(
          output,
          createEvent(
            'document.processed',
            { kind: 'test', text: `attempt ${context.attempt}`, metadata: {} },
            { source: '/test', causedBy: received },
          ),
        );
        return context.attempt === 1
          ? Promise.reject(new RetryableError('first attempt fails after emitting'))
          : Promise.resolve();
      },
    });
    const emitted = await out.waitFor((m) => m.event?.correlationid === event.id);
    expect(emitted.event).toMatchObject({ data: { text: 'attempt 2' } });
    await consumer.stop(); // everything it published is acknowledged once it has stopped
    const admin = raw.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(output);
    await admin.disconnect();
    expect(ends.map((partition) => partition.high)).toEqual(['1']);
  });

  it('answers readiness only while the consumer is in its group', async () => {
    const consumer = messaging.createConsumer({
      groupId: uniqueName('group'),
      topics: [topic],
      publisher,
      handle: () => Promise.resolve(),
    });
    await expect(consumer.readiness().check()).rejects.toThrow(/not a member/);
    await consumer.start();
    await waitFor(
      () =>
        consumer
          .readiness()
          .check()
          .then(() => true),
      { description: 'group membership' },
    );
    await consumer.stop();
    await expect(consumer.readiness().check()).rejects.toThrow(/not a member/);
  });
});
