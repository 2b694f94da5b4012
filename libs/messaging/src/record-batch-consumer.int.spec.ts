/**
 * The batch record consumer on the real broker: every record handed on once stored, offsets
 * committed only after the batch was stored, a failing store retried without losing records.
 */
import { Worker } from 'node:worker_threads';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { createEvent, encodeEvent, FlowlineEvent } from '@flowline/event-schemas';
import { createLogger } from '@flowline/telemetry';
import { testInfra, uniqueName, waitFor } from '@flowline/testing';
import type { ConsumedRecord } from './consumed-record';
import { MessagingClient } from './messaging-client';
import type { RecordBatchConsumer } from './record-batch-consumer';
import { writeInTransactions } from './test-fixtures/transactions';

const logger = createLogger({ service: 'messaging-test', level: 'silent' });

describe('record batch consumer on the real broker', () => {
  const { KAFKA_BROKERS } = testInfra();
  const brokers = KAFKA_BROKERS.split(',');
  const raw = new Kafka({ clientId: 'messaging-test', brokers, logLevel: logLevel.NOTHING });
  const messaging = new MessagingClient({ brokers, clientId: 'messaging-test', logger });
  const started: RecordBatchConsumer[] = [];
  let topic: string;

  beforeEach(async () => {
    topic = uniqueName('records');
    await messaging.ensureTopics([{ name: topic, partitions: 2 }]);
  });
  afterEach(async () => {
    for (const consumer of started.splice(0)) await consumer.stop();
  });

  async function produce(count: number, extraHeaders: Record<string, string> = {}): Promise<string[]> {
    const producer = raw.producer();
    await producer.connect();
    const ids: string[] = [];
    const messages = Array.from({ length: count }, (_, index) => {
      const event = createEvent(
        'webhook.received',
        { source: 'test', payload: { index } },
        { source: '/records-test', partitionKey: `k${index % 7}` },
      );
      ids.push(event.id);
      const encoded = encodeEvent(event);
      return { key: encoded.key, value: encoded.value, headers: { ...encoded.headers, ...extraHeaders } };
    });
    await producer.send({ topic, messages });
    await producer.disconnect();
    return ids;
  }

  async function committed(groupId: string): Promise<number> {
    const admin = raw.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }

  function start(
    groupId: string,
    handleBatch: (records: readonly ConsumedRecord[]) => Promise<void>,
    maxBatchRecords = 50,
  ): Promise<RecordBatchConsumer> {
    const consumer = messaging.createRecordConsumer({
      groupId,
      topics: [topic],
      handleBatch,
      maxBatchRecords,
      retry: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    started.push(consumer);
    return consumer.start().then(() => consumer);
  }

  it('hands on every record with its headers, in batches no larger than asked, and commits them all', async () => {
    const ids = await produce(230, { 'x-origin': 'records-test' });
    const seen: ConsumedRecord[] = [];
    const sizes: number[] = [];
    const groupId = uniqueName('group');
    await start(groupId, (records) => {
      sizes.push(records.length);
      seen.push(...records);
      return Promise.resolve();
    });
    await waitFor(async () => (await committed(groupId)) === 230, { description: 'all 230 offsets committed' });
    expect(new Set(seen.map((record) => record.headers['ce_id']))).toEqual(new Set(ids));
    expect(seen).toHaveLength(230);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    const first = seen[0] as ConsumedRecord;
    expect(first.topic).toBe(topic);
    expect(first.headers['x-origin']).toBe('records-test');
    expect(first.timestamp.getTime()).toBeGreaterThan(Date.now() - 120_000);
    for (const partition of [0, 1]) {
      const offsets = seen.filter((record) => record.partition === partition).map((record) => Number(record.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
  });

  it('commits past transaction markers and aborted records, which it never hands on', async () => {
    const events = ['committed 1', 'aborted', 'committed 2'].map((label) =>
      createEvent('webhook.received', { source: 'test', payload: { label } }, { source: '/records-test' }),
    );
    const [first, aborted, last] = events as [FlowlineEvent, FlowlineEvent, FlowlineEvent];
    const stored: string[] = [];
    const groupId = uniqueName('group');
    await start(groupId, (records) => {
      for (const record of records) stored.push(record.headers['ce_id'] ?? '?');
      return Promise.resolve();
    });
    // Offsets 0-1: first and its commit marker; 2-3: aborted and its abort marker; 4-5: last and its commit marker.
    await writeInTransactions(raw, topic, [{ event: first, commit: true }]);
    await waitFor(async () => (await committed(groupId)) === 2, {
      description: 'offsets committed past the first commit marker (2)',
    });
    await writeInTransactions(raw, topic, [{ event: aborted, commit: false }]);
    await waitFor(async () => (await committed(groupId)) === 4, {
      description: 'offsets committed past the abort marker (4)',
    });
    await writeInTransactions(raw, topic, [{ event: last, commit: true }]);
    await waitFor(async () => (await committed(groupId)) === 6, {
      description: 'offsets committed past the last commit marker (6)',
    });
    expect(stored).toEqual([first.id, last.id]);
  });

  it('retries a failing batch and commits nothing of it until it was stored', async () => {
    await produce(20);
    const groupId = uniqueName('group');
    let failuresLeft = 3;
    const stored = new Set<string>();
    await start(groupId, (records) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        return Promise.reject(new Error('database unavailable'));
      }
      for (const record of records) stored.add(`${record.partition}:${record.offset}`);
      return Promise.resolve();
    });
    await waitFor(() => stored.size === 20, { description: 'every record stored after the failures' });
    await waitFor(async () => (await committed(groupId)) === 20, { description: 'the commit' });
    expect(failuresLeft).toBe(0);
  });

  it('after a stop mid-outage, a new member gets the unstored records again', async () => {
    await produce(10);
    const groupId = uniqueName('group');
    let attempts = 0;
    const first = await start(groupId, () => {
      attempts += 1;
      return Promise.reject(new Error('database unavailable'));
    });
    await waitFor(() => attempts >= 2, { description: 'a few failed attempts' });
    await first.stop();
    started.splice(started.indexOf(first), 1);
    expect(await committed(groupId)).toBe(0);

    const stored: string[] = [];
    await start(groupId, (records) => {
      stored.push(...records.map((record) => `${record.partition}:${record.offset}`));
      return Promise.resolve();
    });
    await waitFor(() => stored.length === 10, { description: 'the ten records after restart' });
  });

  it('survives being evicted during a store slower than the session timeout, and goes on', async () => {
    await produce(30);
    const groupId = uniqueName('group');
    const admin = raw.admin();
    await admin.connect();
    let calls = 0;
    let evicted: boolean | undefined;
    const stored = new Set<string>();
    const consumer = messaging.createRecordConsumer({
      groupId,
      topics: [topic],
      sessionTimeoutMs: 6_000,
      maxBatchRecords: 50,
      handleBatch: async (records) => {
        calls += 1;
        if (calls === 1) {
          // The consumer heartbeats while a store runs, so only a process that stops altogether
          // (a long GC pause, a store hogging the CPU) is evicted mid-store: stall this thread
          // until the broker has dropped the member, then finish the store.
          const member = await waitFor(() => stableMemberOf(admin, groupId), {
            description: 'the member storing the first batch',
          });
          evicted = await stallUntilGone(groupId, member);
        }
        for (const record of records) stored.add(`${record.partition}:${record.offset}`);
      },
    });
    started.push(consumer);
    let failedForGood = false;
    void consumer.failed.then(() => (failedForGood = true));
    try {
      await consumer.start();
      await waitFor(async () => stored.size === 30 && (await committed(groupId)) === 30, {
        description: 'every record stored and committed after the eviction',
        timeoutMs: 90_000,
      });
    } finally {
      await admin.disconnect();
    }
    expect(evicted).toBe(true);
    expect(failedForGood).toBe(false);
    await expect(consumer.readiness().check()).resolves.toBeUndefined();
  });

  /** The group's only member while the group is stable, as the broker reports it. */
  async function stableMemberOf(admin: Admin, groupId: string): Promise<string | undefined> {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return group?.state === 'Stable' && group.members.length === 1 ? group.members[0]?.memberId : undefined;
  }

  /**
   * Blocks this thread — its timers, sockets and heartbeats with it — until a watcher on a
   * worker thread sees the broker no longer list `memberId` in the group. True if it saw that
   * before the deadline.
   */
  async function stallUntilGone(groupId: string, memberId: string, timeoutMs = 60_000): Promise<boolean> {
    const gone = new Int32Array(new SharedArrayBuffer(4));
    const watcher = new Worker(EVICTION_WATCHER, {
      eval: true,
      workerData: { kafkajs: require.resolve('kafkajs'), brokers, groupId, memberId, gone, timeoutMs },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        watcher.once('message', () => resolve());
        watcher.once('error', reject);
      });
      Atomics.wait(gone, 0, 0, timeoutMs);
      return Atomics.load(gone, 0) === 1;
    } finally {
      await watcher.terminate();
    }
  }
});

// Plain JavaScript run on a worker thread (outside Jest's module registry, hence kafkajs by path):
// polls the broker while the test's own thread is stalled, and wakes it once the member is gone.
const EVICTION_WATCHER = `
const { parentPort, workerData } = require('node:worker_threads');
// kafkajs's harmless negative-timer warning (tulios/kafkajs#1751), as kafka-connection.ts drops it.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if ((typeof rest[0] === 'string' ? rest[0] : warning?.name) !== 'TimeoutNegativeWarning') emitWarning(warning, ...rest);
};
const { Kafka, logLevel } = require(workerData.kafkajs);
const { brokers, groupId, memberId, gone, timeoutMs } = workerData;
const admin = new Kafka({ clientId: 'eviction-watcher', brokers, logLevel: logLevel.NOTHING }).admin();
(async () => {
  await admin.connect();
  parentPort.postMessage('watching');
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const { groups } = await admin.describeGroups([groupId]);
    if (!(groups[0]?.members ?? []).some((member) => member.memberId === memberId)) {
      Atomics.store(gone, 0, 1);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await admin.disconnect();
})().finally(() => Atomics.notify(gone, 0));
`;
