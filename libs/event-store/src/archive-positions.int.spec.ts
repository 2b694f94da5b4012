import { waitFor } from '@flowline/testing';
import { EventStore } from './event-store';
import { migrateEventStore } from './event-store-schema';
import type { ArchivedRecord } from './record-columns';
import { eventRecord } from './test-fixtures/archived-records';
import { createTestDatabase, TestDatabase } from './test-fixtures/event-store-database';

describe('idempotent appends by stored partition positions (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: EventStore;
  const time = new Date('2025-05-01T10:00:00.000Z');

  beforeAll(async () => {
    db = await createTestDatabase('positions');
    await migrateEventStore(db.pool);
    store = new EventStore(db.pool);
  });

  afterAll(async () => {
    await db?.drop();
  });

  const records = (
    topic: string,
    from: number,
    to: number,
    options: { idPrefix?: string; at?: Date } = {},
  ): ArchivedRecord[] =>
    Array.from({ length: to - from }, (_, i) => {
      const offset = from + i;
      const id = `${options.idPrefix ?? topic}-${offset}`;
      return eventRecord({
        topic,
        offset,
        id,
        type: 'test.position',
        time: new Date((options.at ?? time).getTime() + offset),
        correlationid: id,
      });
    });
  const rowsOf = async (topic: string): Promise<{ rows: number; distinct: number }> => {
    const result = await db.pool.query<{ rows: string; distinct: string }>(
      `SELECT count(*) AS rows, count(DISTINCT (partition, "offset", kafka_timestamp)) AS distinct FROM event_store.events WHERE topic = $1`,
      [topic],
    );
    return { rows: Number(result.rows[0]?.rows), distinct: Number(result.rows[0]?.distinct) };
  };
  const nextOffset = async (topic: string, partition = 0): Promise<string | undefined> =>
    (
      await db.pool.query<{ next: string }>(
        `SELECT next_offset::text AS next FROM event_store.archive_positions WHERE topic = $1 AND partition = $2`,
        [topic, partition],
      )
    ).rows[0]?.next;

  it('advances the partition position with the rows, in the same transaction', async () => {
    expect(await store.append(records('pos.advance', 0, 30))).toEqual({ inserted: 30 });
    expect(await nextOffset('pos.advance')).toBe('30');
  });

  it('adds no row for a redelivery that lies wholly below the position and does not reach its last record', async () => {
    await store.append(records('pos.old-range', 0, 100));
    expect(await store.append(records('pos.old-range', 10, 20))).toEqual({ inserted: 0 });
    expect(await store.append(records('pos.old-range', 95, 110))).toEqual({ inserted: 10 });
    expect(await rowsOf('pos.old-range')).toEqual({ rows: 110, distinct: 110 });
  });

  it('adds no row for a redelivered record that has no event id', async () => {
    const {
      ce_id: _id,
      ce_correlationid: _correlation,
      ...headers
    } = records('pos.anonymous', 0, 1)[0]?.headers as Record<string, string>;
    const anonymous = records('pos.anonymous', 0, 5).map((record) => ({ ...record, headers }));
    expect(await store.append(anonymous)).toEqual({ inserted: 5 });
    expect(await store.append(anonymous.slice(1, 3))).toEqual({ inserted: 0 });
    expect(await rowsOf('pos.anonymous')).toEqual({ rows: 5, distinct: 5 });
  });

  it('stores the records of a topic deleted and re-created (offsets from 0 again), and still adds none on their redelivery', async () => {
    await store.append(records('pos.recreated', 0, 50));
    const later = new Date(time.getTime() + 3_600_000);
    const second = records('pos.recreated', 0, 60, { idPrefix: 'second-life', at: later });

    expect(await store.append(second.slice(0, 20))).toEqual({ inserted: 20 });
    expect(await store.append(second.slice(0, 20))).toEqual({ inserted: 0 });
    expect(await store.append(second.slice(15, 60))).toEqual({ inserted: 40 });
    expect(await store.append(second.slice(40, 60))).toEqual({ inserted: 0 });
    expect(await rowsOf('pos.recreated')).toEqual({ rows: 110, distinct: 110 });
    expect(await nextOffset('pos.recreated')).toBe('60');
  });

  it('does not double rows when two archivers write the same partition at once (a rebalance)', async () => {
    const topic = 'pos.two-writers';
    await store.append(records(topic, 0, 1));
    const second = new EventStore(db.connect());
    // Hold the partition's position as a third writer would, so both appends queue behind it.
    const blocker = await db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM event_store.archive_positions WHERE topic = $1 AND partition = 0 FOR UPDATE`, [
        topic,
      ]);
      const batch = records(topic, 1, 200);
      const appends = Promise.all([store.append(batch), second.append(batch.slice(50))]);
      await waitFor(
        async () => {
          const waiting = await db.pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%archive_positions%'`,
          );
          return waiting.rows[0]?.n === '2';
        },
        { timeoutMs: 10_000, intervalMs: 20, description: 'both appends waiting for the partition position' },
      );
      await blocker.query('ROLLBACK');
      const [first, other] = await appends;
      expect((first?.inserted ?? 0) + (other?.inserted ?? 0)).toBe(199);
    } finally {
      blocker.release();
    }
    expect(await rowsOf(topic)).toEqual({ rows: 200, distinct: 200 });
    expect(await nextOffset(topic)).toBe('200');
  });

  it('keeps every partition of a batch apart: a position belongs to one (topic, partition)', async () => {
    const batch = [
      ...records('pos.multi', 0, 10),
      ...records('pos.multi', 0, 10, { idPrefix: 'p1' }).map((record) => ({ ...record, partition: 1 })),
    ];
    expect(await store.append(batch)).toEqual({ inserted: 20 });
    expect(await store.append(batch.reverse())).toEqual({ inserted: 0 });
    expect([await nextOffset('pos.multi', 0), await nextOffset('pos.multi', 1)]).toEqual(['10', '10']);
  });
});

describe('upgrading a store whose idempotency was a unique constraint (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('upgrade');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('seeds the positions from the stored rows, so a redelivery after the upgrade adds no row', async () => {
    const time = new Date('2025-05-02T10:00:00.000Z');
    // The first schema, as far as the upgrade reads it: the table with its unique constraint and the old index.
    await db.pool.query(`
      CREATE SCHEMA event_store;
      CREATE TABLE event_store.events (
        id text, type text, source text, subject text, time timestamptz, correlationid text, causationid text, schemaversion int,
        topic text NOT NULL, partition int NOT NULL, "offset" bigint NOT NULL, kafka_timestamp timestamptz NOT NULL, key text,
        headers jsonb NOT NULL, data jsonb, value_base64 text, archived_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_kafka_record_key UNIQUE (topic, partition, "offset", kafka_timestamp)
      ) PARTITION BY RANGE (kafka_timestamp);
      CREATE INDEX events_topic_kafka_timestamp_idx ON event_store.events (topic, kafka_timestamp);
      CREATE TABLE event_store.events_p20250502 PARTITION OF event_store.events FOR VALUES FROM ('2025-05-02') TO ('2025-05-03');
      INSERT INTO event_store.events (id, topic, partition, "offset", kafka_timestamp, headers)
        SELECT 'old-' || n, 'upgrade.topic', n % 2, n / 2, '2025-05-02T10:00:00Z'::timestamptz + n * interval '1 ms', '{}' FROM generate_series(0, 19) AS n;
    `);

    await migrateEventStore(db.pool);

    const positions = await db.pool.query<{ partition: number; next: string }>(
      `SELECT partition, next_offset::text AS next FROM event_store.archive_positions ORDER BY partition`,
    );
    expect(positions.rows).toEqual([
      { partition: 0, next: '10' },
      { partition: 1, next: '10' },
    ]);
    const constraints = await db.pool.query(`SELECT 1 FROM pg_constraint WHERE conname = 'events_kafka_record_key'`);
    expect(constraints.rowCount).toBe(0);
    const store = new EventStore(db.pool);
    const redelivered = Array.from({ length: 10 }, (_, offset) => ({
      ...eventRecord({
        topic: 'upgrade.topic',
        offset,
        id: `old-${offset * 2}`,
        type: 'test.upgrade',
        time,
        correlationid: `old-${offset * 2}`,
      }),
      timestamp: new Date(time.getTime() + offset * 2),
    }));
    expect(await store.append(redelivered)).toEqual({ inserted: 0 });
    expect(await store.append(records10('upgrade.topic', 10, time))).toEqual({ inserted: 10 });
  });
});

describe('upgrading a store whose positions were bigint (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('upgrade-numeric');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('widens next_offset to numeric, keeping every position, so the highest Kafka offset can be stored', async () => {
    const time = new Date('2025-05-03T10:00:00.000Z');
    await migrateEventStore(db.pool);
    // The previous schema's column, holding a position next to bigint's end.
    await db.pool.query(`ALTER TABLE event_store.archive_positions ALTER COLUMN next_offset TYPE bigint`);
    await db.pool.query(
      `INSERT INTO event_store.archive_positions (topic, partition, next_offset) VALUES ('wide.topic', 0, 9223372036854775800)`,
    );

    await migrateEventStore(db.pool);

    const column = await db.pool.query<{ type: string }>(
      `SELECT data_type AS type FROM information_schema.columns WHERE table_schema = 'event_store' AND table_name = 'archive_positions' AND column_name = 'next_offset'`,
    );
    expect(column.rows).toEqual([{ type: 'numeric' }]);
    const store = new EventStore(db.pool);
    const last = eventRecord({
      topic: 'wide.topic',
      offset: '9223372036854775807',
      id: 'wide-last',
      type: 'test.upgrade',
      time,
      correlationid: 'wide-last',
    });
    expect(await store.append([last])).toEqual({ inserted: 1 });
    expect(await store.append([last])).toEqual({ inserted: 0 });
    const position = await db.pool.query<{ next: string }>(
      `SELECT next_offset::text AS next FROM event_store.archive_positions WHERE topic = 'wide.topic'`,
    );
    expect(position.rows).toEqual([{ next: '9223372036854775808' }]);
  });
});

function records10(topic: string, from: number, time: Date): ArchivedRecord[] {
  return Array.from({ length: 10 }, (_, i) =>
    eventRecord({
      topic,
      offset: from + i,
      id: `${topic}-${from + i}`,
      type: 'test.upgrade',
      time,
      correlationid: 'x',
    }),
  );
}
