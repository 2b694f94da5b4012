/**
 * The operator's reader on the real broker: bounded reads by offset and time, a live tail,
 * consumer-group lag, and clear errors for a missing topic or an unreachable broker.
 */
import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '@flowline/telemetry';
import { testInfra, uniqueName, waitFor } from '@flowline/testing';
import type { ConsumedRecord } from './consumed-record';
import { BrokerUnavailable, UnknownTopicError } from './errors';
import { MessagingClient } from './messaging-client';
import type { TopicReader } from './topic-reader';

const logger = createLogger({ service: 'messaging-test', level: 'silent' });

describe('topic reader on the real broker', () => {
  const { KAFKA_BROKERS } = testInfra();
  const brokers = KAFKA_BROKERS.split(',');
  const raw = new Kafka({ clientId: 'messaging-test', brokers, logLevel: logLevel.NOTHING });
  const messaging = new MessagingClient({ brokers, clientId: 'messaging-test', logger });
  let reader: TopicReader;
  let topic: string;

  beforeEach(async () => {
    topic = uniqueName('reader');
    await messaging.ensureTopics([{ name: topic, partitions: 2 }]);
    reader = messaging.createTopicReader();
  });
  afterEach(() => reader.close());

  async function produce(values: string[], timestamp?: number): Promise<void> {
    const producer = raw.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: values.map((value, index) => ({
        key: `k${index}`,
        value,
        ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }),
      })),
    });
    await producer.disconnect();
  }

  async function readAll(options: Omit<Parameters<TopicReader['read']>[0], 'onRecord'>): Promise<ConsumedRecord[]> {
    const records: ConsumedRecord[] = [];
    const count = await reader.read({ ...options, onRecord: (record) => void records.push(record) });
    expect(count).toBe(records.length);
    return records;
  }

  it('reads a topic from the earliest record to the end as of the start of the read, once each', async () => {
    await produce(['a', 'b', 'c', 'd', 'e']);
    const records = await readAll({ topics: [topic], from: 'earliest' });
    expect(records.map((record) => record.value?.toString()).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await reader.countRange({ topics: [topic], from: 'earliest' })).toBe(5);
  });

  it('reads from a time and up to a time, by record timestamp', async () => {
    const base = Date.now() - 60_000;
    await produce(['old'], base);
    await produce(['middle'], base + 10_000);
    await produce(['new'], base + 20_000);
    const records = await readAll({
      topics: [topic],
      from: { time: new Date(base + 5_000) },
      to: new Date(base + 15_000),
    });
    expect(records.map((record) => record.value?.toString())).toEqual(['middle']);
  });

  it('reads one partition from an offset', async () => {
    await produce(Array.from({ length: 12 }, (_, index) => `v${index}`));
    const all = await readAll({ topics: [topic], from: 'earliest' });
    const inPartition = all.filter((record) => record.partition === 1);
    const records = await readAll({ topics: [topic], from: { partition: 1, offset: '2' } });
    expect(records.map((record) => record.offset)).toEqual(
      inPartition.filter((record) => Number(record.offset) >= 2).map((record) => record.offset),
    );
  });

  it('fails the read when the caller’s record handler fails, instead of skipping that record', async () => {
    await produce(['a', 'b', 'c']);
    await expect(
      reader.read({
        topics: [topic],
        from: 'earliest',
        onRecord: () => Promise.reject(new Error('disk full')),
      }),
    ).rejects.toThrow('disk full');
  });

  it('returns at once for an empty range', async () => {
    expect(await readAll({ topics: [topic], from: 'earliest' })).toEqual([]);
  });

  it('tails records written after it started, until aborted', async () => {
    await produce(['before']);
    const seen: string[] = [];
    const abort = new AbortController();
    const tailing = reader.tail({
      topics: [topic],
      signal: abort.signal,
      onRecord: (record) => void seen.push(String(record.value)),
    });
    // The tail starts at the end as of its start; keep writing until it has joined and sees one.
    await waitFor(
      async () => {
        await produce(['after']);
        return seen.length > 0;
      },
      { description: 'a record written after the tail started', intervalMs: 1_000 },
    );
    abort.abort();
    await tailing;
    expect(seen).not.toContain('before');
    expect(new Set(seen)).toEqual(new Set(['after']));
  });

  it('reports the lag of a consumer group that committed behind the end', async () => {
    await produce(['1', '2', '3', '4']);
    const groupId = uniqueName('lagging');
    const admin = raw.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '0' },
        { partition: 1, offset: '0' },
      ],
    });
    await admin.disconnect();
    const lags = (await reader.consumerGroupLag()).filter((lag) => lag.groupId === groupId);
    expect(lags.reduce((sum, lag) => sum + lag.lag, 0)).toBe(4);
    expect(lags.map((lag) => lag.topic)).toEqual([topic, topic]);
  });

  it('names a topic that does not exist', async () => {
    const missing = uniqueName('missing');
    await expect(reader.read({ topics: [missing], from: 'earliest', onRecord: () => undefined })).rejects.toThrow(
      UnknownTopicError,
    );
    await expect(reader.assertTopicsExist([topic, missing])).rejects.toThrow(`unknown topic: "${missing}"`);
  });

  it('fails fast, naming the address, when no broker answers', async () => {
    const offline = new MessagingClient({
      brokers: ['127.0.0.1:1'],
      clientId: 'messaging-test',
      logger,
      connectTimeoutMs: 1_000,
    });
    const offlineReader = offline.createTopicReader();
    await expect(offlineReader.listTopics()).rejects.toThrow(BrokerUnavailable);
    await expect(offlineReader.listTopics()).rejects.toThrow('cannot reach Kafka at 127.0.0.1:1');
  });
});
