/**
 * The coalescing publisher against a fake producer (the real broker is in the
 * integration tests): batching, acknowledgement order, failure and back-pressure.
 */
import type { Kafka } from 'kafkajs';
import { createEvent } from '@flowline/event-schemas';
import { createServiceMetrics } from '@flowline/telemetry';
import { EventPublisher } from './event-publisher';

interface SentBatch {
  topicMessages: { topic: string; messages: unknown[] }[];
  release: () => void;
  fail: (error: Error) => void;
}

function fakeKafka() {
  const sent: SentBatch[] = [];
  const producer = {
    events: { DISCONNECT: 'producer.disconnect' },
    on: () => undefined,
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    sendBatch: (request: { topicMessages: SentBatch['topicMessages'] }) =>
      new Promise<void>((resolve, reject) =>
        sent.push({ topicMessages: request.topicMessages, release: resolve, fail: reject }),
      ),
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, sent };
}

const event = (n: number) => createEvent('webhook.received', { source: 'test', payload: { n } }, { source: '/test' });
const flushMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

/** The i-th request the fake producer received, once the publisher has sent it. */
async function batchAt(sent: SentBatch[], index: number): Promise<SentBatch> {
  for (let turn = 0; turn < 50 && sent[index] === undefined; turn++) await flushMicrotasks();
  const batch = sent[index];
  if (batch === undefined) throw new Error(`request ${index} was never sent (${sent.length} sent)`);
  return batch;
}

describe('EventPublisher', () => {
  it('coalesces concurrent publishes into one request while another is on the wire', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka);
    const first = publisher.publish('t', event(0));
    await flushMicrotasks();
    const rest = Array.from({ length: 99 }, (_, i) => publisher.publish('t', event(i + 1)));
    await flushMicrotasks();
    expect(sent).toHaveLength(1); // the other 99 wait for the first request
    sent[0]!.release();
    await first;
    await flushMicrotasks();
    expect(sent).toHaveLength(2);
    expect(sent[1]!.topicMessages[0]!.messages).toHaveLength(99);
    sent[1]!.release();
    await Promise.all(rest);
  });

  it('counts produced events per topic and type once the batch is acknowledged', async () => {
    const { kafka, sent } = fakeKafka();
    const metrics = createServiceMetrics('publisher-spec');
    const publisher = new EventPublisher(kafka, metrics);
    const record = (n: number) => ({ key: `k${n}`, value: Buffer.from('{}'), headers: {} });
    const types = ['a.one', 'a.one', 'b.two', 'a.one', 'b.two', 'b.two'];
    const done = publisher.publishRecords(
      types.map((type, n) => ({ topic: n < 4 ? 'x' : 'y', record: record(n), type })),
    );
    (await batchAt(sent, 0)).release();
    await done;
    const values = (await metrics.eventsProduced.get()).values.map(
      ({ labels, value }) => `${String(labels['topic'])}/${String(labels['type'])}=${value}`,
    );
    expect(values.sort()).toEqual(['x/a.one=3', 'x/b.two=1', 'y/b.two=2']);
  });

  it('resolves a caller only after the broker acknowledged its batch', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka);
    let acknowledged = false;
    const publishing = publisher.publish('t', event(1)).then(() => (acknowledged = true));
    await flushMicrotasks();
    expect(acknowledged).toBe(false);
    sent[0]!.release();
    await publishing;
    expect(acknowledged).toBe(true);
  });

  it('rejects every caller of a failed batch, and keeps going with the next', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka);
    const a = publisher.publish('t', event(1));
    await flushMicrotasks();
    const b = publisher.publish('u', event(2));
    sent[0]!.fail(new Error('not enough replicas'));
    await expect(a).rejects.toThrow('not enough replicas');
    await flushMicrotasks();
    sent[1]!.release();
    await expect(b).resolves.toBeUndefined();
  });

  it('sends a batch again while the broker is gone, before any later batch, and only then resolves its callers', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const { kafka, sent } = fakeKafka();
      const publisher = new EventPublisher(kafka);
      const a = publisher.publish('t', event(1));
      await flushMicrotasks();
      const b = publisher.publish('t', event(2));
      const gone = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), {
        name: 'KafkaJSConnectionError',
      });
      sent[0]!.fail(gone);
      await flushMicrotasks();
      await jest.advanceTimersByTimeAsync(5_000);
      // The first batch again, alone: the second waits behind it.
      expect(sent).toHaveLength(2);
      expect(sent[1]!.topicMessages[0]!.messages).toEqual(sent[0]!.topicMessages[0]!.messages);
      sent[1]!.release();
      await expect(a).resolves.toBeUndefined();
      await flushMicrotasks();
      expect(sent).toHaveLength(3);
      sent[2]!.release();
      await expect(b).resolves.toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('leaves an outage to callers that bounded their wait (a delivery timeout)', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka, undefined, { deliveryTimeoutMs: 60_000 });
    const a = publisher.publish('t', event(1));
    await flushMicrotasks();
    sent[0]!.fail(Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' }));
    await expect(a).rejects.toThrow('Connection error');
  });

  it('makes callers wait when the queue is full instead of buffering without bound', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka, undefined, { maxQueued: 2, maxBatchSize: 2 });
    const inFlight = publisher.publish('t', event(0));
    await flushMicrotasks();
    const queued = [publisher.publish('t', event(1)), publisher.publish('t', event(2))];
    let waitingResolved = false;
    const waiting = publisher.publish('t', event(3)).then(() => (waitingResolved = true));
    await flushMicrotasks();
    expect(sent).toHaveLength(1);
    sent[0]!.release();
    await inFlight;
    await flushMicrotasks();
    expect(sent[1]!.topicMessages[0]!.messages).toHaveLength(2); // the two queued ones
    sent[1]!.release();
    await Promise.all(queued);
    await flushMicrotasks();
    sent[2]!.release();
    await waiting;
    expect(waitingResolved).toBe(true);
  });

  it('keeps call order within a topic', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka);
    const calls = [
      publisher.publish('t', event(1)),
      publisher.publish('t', event(2)),
      publisher.publish('t', event(3)),
    ];
    (await batchAt(sent, 0)).release();
    (await batchAt(sent, 1)).release();
    await Promise.all(calls);
    const values = sent.flatMap((batch) =>
      batch.topicMessages.flatMap((t) =>
        t.messages.map((m) => JSON.parse(String((m as { value: Buffer }).value)) as { payload: { n: number } }),
      ),
    );
    expect(values.map((v) => v.payload.n)).toEqual([1, 2, 3]);
  });
});

describe('EventPublisher delivery timeout', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('drops messages still queued at their deadline, so they are never written after the caller gave up', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka, undefined, { deliveryTimeoutMs: 1_000 });
    const onTheWire = publisher.publish('t', event(0));
    await flushMicrotasks();
    const queued = [publisher.publish('t', event(1)), publisher.publish('t', event(2))];
    jest.advanceTimersByTime(1_000);
    for (const caller of queued) await expect(caller).rejects.toThrow(/dropped, never written/);
    // The request already on the wire may still land, and its caller is told so.
    await expect(onTheWire).rejects.toThrow(/may still be written/);
    sent[0]!.release();
    await flushMicrotasks();
    expect(sent).toHaveLength(1);
    // The publisher goes on: a new message is sent in its own request.
    const later = publisher.publish('t', event(3));
    (await batchAt(sent, 1)).release();
    await expect(later).resolves.toBeUndefined();
  });

  it('never queues a caller that waited for room past its deadline', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka, undefined, { deliveryTimeoutMs: 1_000, maxQueued: 1, maxBatchSize: 1 });
    const onTheWire = publisher.publish('t', event(0));
    await flushMicrotasks();
    const queued = publisher.publish('t', event(1));
    const waiting = publisher.publish('t', event(2));
    jest.advanceTimersByTime(1_000);
    await expect(queued).rejects.toMatchObject({ code: 'PUBLISH_TIMEOUT' });
    await expect(waiting).rejects.toMatchObject({ code: 'PUBLISH_TIMEOUT' });
    await expect(onTheWire).rejects.toMatchObject({ code: 'PUBLISH_TIMEOUT' });
    sent[0]!.release();
    for (let turn = 0; turn < 5; turn++) await flushMicrotasks();
    expect(sent).toHaveLength(1);
  });
});

describe('EventPublisher limits', () => {
  it('splits a coalesced batch by bytes so small messages never ride in an oversized request', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka, undefined, { maxBatchBytes: 2_000 });
    const big = (n: number) =>
      createEvent('webhook.received', { source: 'test', payload: { n, blob: 'x'.repeat(700) } }, { source: '/test' });
    const first = publisher.publish('t', big(0));
    await flushMicrotasks();
    const rest = Promise.all([1, 2, 3, 4].map((n) => publisher.publish('t', big(n))));
    (await batchAt(sent, 0)).release();
    await first;
    let delivered = 0;
    for (let index = 1; delivered < 4; index++) {
      const batch = await batchAt(sent, index);
      delivered += batch.topicMessages[0]!.messages.length;
      batch.release();
    }
    await rest;
    const sizes = sent.slice(1).map((batch) => batch.topicMessages[0]!.messages.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(4);
    expect(Math.max(...sizes)).toBeLessThan(4); // ~1 KB each: at most two fit under 2,000 bytes
  });

  it('refuses new messages once stopped, after sending what was queued', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka);
    const queued = publisher.publish('t', event(1));
    await flushMicrotasks();
    const stopping = publisher.stop();
    await expect(publisher.publish('t', event(2))).rejects.toThrow(/stopped/);
    sent[0]!.release();
    await Promise.all([queued, stopping]);
  });

  it('serves callers waiting for room in arrival order', async () => {
    const { kafka, sent } = fakeKafka();
    const publisher = new EventPublisher(kafka, undefined, { maxQueued: 1, maxBatchSize: 1 });
    const order: number[] = [];
    const calls = [0, 1, 2, 3].map((n) => publisher.publish('t', event(n)).then(() => order.push(n)));
    for (let i = 0; i < 4; i++) (await batchAt(sent, i)).release();
    await Promise.all(calls);
    const sentValues = sent.map(
      (batch) =>
        (
          JSON.parse(String((batch.topicMessages[0]!.messages[0] as { value: Buffer }).value)) as {
            payload: { n: number };
          }
        ).payload.n,
    );
    expect(sentValues).toEqual([0, 1, 2, 3]);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  describe('publishRecords (a consumer settling its outputs)', () => {
    const records = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => {
        const e = event(from + i);
        return {
          topic: i % 2 === 0 ? 'a' : 'b',
          record: { key: e.partitionkey, value: Buffer.from(String(from + i)), headers: { ce_id: e.id } },
          type: e.type,
        };
      });
    const valuesOf = (batch: SentBatch) =>
      batch.topicMessages.flatMap((topic) =>
        topic.messages.map((message) => String((message as { value: Buffer }).value)),
      );

    it('resolves once every record of the group is acknowledged, across several requests, in order', async () => {
      const { kafka, sent } = fakeKafka();
      const publisher = new EventPublisher(kafka, undefined, { maxBatchSize: 3 });
      let done = false;
      const group = publisher.publishRecords(records(0, 7)).then(() => (done = true));
      (await batchAt(sent, 0)).release();
      (await batchAt(sent, 1)).release();
      await flushMicrotasks();
      expect(done).toBe(false); // the seventh record is not acknowledged yet
      (await batchAt(sent, 2)).release();
      await group;
      expect(sent.flatMap(valuesOf).sort()).toEqual(['0', '1', '2', '3', '4', '5', '6']);
      expect(
        sent.map((batch) => batch.topicMessages.map((topic) => topic.messages.length).reduce((a, b) => a + b)),
      ).toEqual([3, 3, 1]);
    });

    it('rejects the group when any of its requests fails', async () => {
      const { kafka, sent } = fakeKafka();
      const publisher = new EventPublisher(kafka, undefined, { maxBatchSize: 2 });
      const group = publisher.publishRecords(records(0, 4));
      const outcome = group.then(
        () => 'resolved',
        (error: Error) => error.message,
      );
      (await batchAt(sent, 0)).release();
      (await batchAt(sent, 1)).fail(new Error('broker said no'));
      expect(await outcome).toBe('broker said no');
    });

    it('rejects a group whose first records failed while the rest of it waited for room', async () => {
      const { kafka, sent } = fakeKafka();
      const publisher = new EventPublisher(kafka, undefined, { maxQueued: 2, maxBatchSize: 2 });
      const outcome = publisher.publishRecords(records(0, 6)).then(
        () => 'resolved',
        (error: Error) => error.message,
      );
      (await batchAt(sent, 0)).fail(new Error('MESSAGE_TOO_LARGE'));
      for (let turn = 0; turn < 10; turn++) {
        await flushMicrotasks();
        for (const batch of sent.slice(1)) batch.release();
      }
      expect(await outcome).toBe('MESSAGE_TOO_LARGE');
    });

    it('waits for room record by record when the group is larger than the queue', async () => {
      const { kafka, sent } = fakeKafka();
      const publisher = new EventPublisher(kafka, undefined, { maxQueued: 2, maxBatchSize: 2 });
      let done = false;
      const group = publisher.publishRecords(records(0, 5)).then(() => (done = true));
      for (let index = 0; index < 3; index++) {
        const batch = await batchAt(sent, index);
        expect(valuesOf(batch).length).toBeLessThanOrEqual(2);
        batch.release();
      }
      await group;
      expect(done).toBe(true);
      expect(sent.flatMap(valuesOf)).toEqual(['0', '1', '2', '3', '4']);
    });
  });
});
