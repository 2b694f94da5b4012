/**
 * `flowline replay` from the event store, end to end through runCli with the real composition
 * root: records stored as the archiver stores them come back on Kafka byte for byte — the
 * value (JSON in any spelling, binary, none), the key and every header but the credentials,
 * which the store never keeps.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import pg from 'pg';
import { EventStore, migrateEventStore, type ArchivedRecord } from '@flowline/event-store';
import { createScratchDatabase, testInfra, uniqueName, waitFor, type ScratchDatabase } from '@flowline/testing';
import { runCli } from './cli';
import { connectFlowline } from './connect';

interface Received {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

const infra = testInfra();
const kafka = new Kafka({ brokers: infra.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
let database: ScratchDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createScratchDatabase(infra.DATABASE_URL, 'cli_replay');
  pool = new pg.Pool({ connectionString: database.url });
  await migrateEventStore(pool);
});
afterAll(async () => {
  await pool.end();
  await database.drop();
});

function headerTexts(headers: IHeaders | undefined): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) texts[name] = String(value);
  return texts;
}

async function readTopic(topic: string, count: number): Promise<Received[]> {
  const received: Received[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('replay-check') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        received.push({ key: message.key, value: message.value, headers: headerTexts(message.headers) });
        return Promise.resolve();
      },
    });
    await waitFor(() => (received.length >= count ? true : undefined), {
      timeoutMs: 30_000,
      description: `${count} replayed records on ${topic}`,
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

function archived(offset: number, id: string, value: Buffer | null, extra: Record<string, string>): ArchivedRecord {
  return {
    topic: 'replay.source',
    partition: 0,
    offset: String(offset),
    timestamp: new Date(Date.now() - 60_000 + offset),
    key: Buffer.from(`key-${id}`),
    value,
    headers: {
      ce_specversion: '1.0',
      ce_id: id,
      ce_type: 'test.replayed',
      ce_source: '/replay-test',
      ...extra,
    },
  };
}

describe('flowline replay from the event store', () => {
  it('sends the archived records byte for byte: value, key and every header but credentials', async () => {
    // jsonb would give this back reordered, respaced, with 1.50 as 1.50 but 1e2 as 100 and
    // one "a" only; the replay must send it exactly as it came.
    const json = Buffer.from('{ "zz": {"y": [1e2, 12345678901234567890, "\\u00e9"]},\n  "a": 1.50, "a": 2 }');
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x0a]);
    const id = randomUUID();
    const records = [
      archived(0, `${id}-json`, json, {
        // Microseconds and a zone offset: the time column alone could not give these back.
        ce_time: '2026-12-05T10:00:00.123456+01:00',
        ce_correlationid: id,
        ce_schemaversion: '2',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'content-type': 'application/json',
        'x-tenant': 'acme',
        authorization: 'Bearer not-for-the-store',
      }),
      archived(1, `${id}-bin`, binary, {
        ce_time: '2026-12-05T09:00:00Z',
        ce_correlationid: id,
        'content-type': 'image/png',
      }),
      archived(2, `${id}-tombstone`, null, { ce_correlationid: id }),
    ];
    await new EventStore(pool).append(records);

    const toTopic = uniqueName('replay.target');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: toTopic, numPartitions: 1 }], waitForLeaders: true });
    try {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(
        ['replay', '--from', '10m', '--correlation', id, '--to-topic', toTopic],
        { out: (text) => out.push(text), err: (text) => err.push(text) },
        {
          env: { DATABASE_URL: database.url, KAFKA_BROKERS: infra.KAFKA_BROKERS },
          connect: connectFlowline,
          signal: new AbortController().signal,
          now: () => new Date(),
        },
      );
      expect({ code, err: err.join('') }).toEqual({ code: 0, err: '' });
      expect(out.join('')).toContain('replayed 3 events');

      const replayed = await readTopic(toTopic, 3);
      const byId = new Map(replayed.map((record) => [record.headers['ce_id'], record]));
      for (const original of records) {
        const { authorization: _credential, ...headers } = original.headers;
        const copy = byId.get(original.headers['ce_id']);
        expect(copy?.headers).toEqual(headers);
        expect(copy?.key).toEqual(original.key);
        // Byte for byte: Buffer equality, not JSON equality.
        expect(copy?.value === null ? null : copy?.value.toString('hex')).toEqual(
          original.value === null ? null : original.value.toString('hex'),
        );
      }
    } finally {
      await admin.deleteTopics({ topics: [toTopic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 60_000);
});
