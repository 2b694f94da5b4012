import { EventStore } from './event-store';
import { listDayPartitions, migrateEventStore } from './event-store-schema';
import { partitionName, utcDay } from './day-partitions';
import { eventRecord } from './test-fixtures/archived-records';
import { createTestDatabase, TestDatabase } from './test-fixtures/event-store-database';

describe('event store schema and retention (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('schema');
  });

  afterAll(async () => {
    await db?.drop();
  });

  const partitionsOfEvents = async (): Promise<string[]> =>
    (
      await db.pool.query<{ relname: string }>(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'event_store.events'::regclass ORDER BY 1`,
      )
    ).rows.map((row) => row.relname);

  it('migrates when several processes run the migration at the same time, and again later', async () => {
    const others = [db.connect(), db.connect(), db.connect()];
    await Promise.all([migrateEventStore(db.pool), ...others.map((pool) => migrateEventStore(pool))]);
    await migrateEventStore(db.pool);
    const today = utcDay(new Date());
    const expected = [0, 1, 2].map((ahead) => partitionName(new Date(today.getTime() + ahead * 86_400_000)));
    expect(await partitionsOfEvents()).toEqual(expect.arrayContaining(expected));
    const indexes = await db.pool.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'event_store' AND tablename = 'events' ORDER BY 1`,
    );
    expect(indexes.rows.map((row) => row.indexdef.replace(/^.* USING btree /, '')).sort()).toEqual(
      [
        '(correlationid)',
        '(id)',
        `(topic, kafka_timestamp) WHERE ("right"(topic, 4) = '.dlq'::text)`,
        '(topic, partition, "offset") WHERE (id IS NULL)',
        '(type, "time")',
      ].sort(),
    );
  });

  it('drops whole day partitions older than the cutoff and keeps the recent ones with their rows', async () => {
    await migrateEventStore(db.pool);
    const store = new EventStore(db.pool);
    const day = (date: string, hour: number): Date => new Date(`${date}T${String(hour).padStart(2, '0')}:00:00.000Z`);
    const records = [
      ['2020-01-01', 3],
      ['2020-01-02', 23],
      ['2020-01-03', 0],
      ['2020-01-04', 12],
    ].map(([date, hour], i) =>
      eventRecord({
        topic: 'retention.topic',
        offset: i,
        id: `ret-${i}`,
        type: 'test.retention',
        time: day(date as string, hour as number),
        correlationid: 'ret',
      }),
    );
    await store.append(records);

    const dropped = await store.dropPartitionsBefore(new Date('2020-01-03T06:00:00.000Z'));

    expect(dropped).toEqual(['event_store.events_p20200101', 'event_store.events_p20200102']);
    const partitions = await partitionsOfEvents();
    expect(partitions).not.toContain('events_p20200101');
    expect(partitions).not.toContain('events_p20200102');
    expect(partitions).toEqual(expect.arrayContaining(['events_p20200103', 'events_p20200104']));
    const left = await db.pool.query<{ id: string }>(
      `SELECT id FROM event_store.events WHERE topic = 'retention.topic' ORDER BY id`,
    );
    expect(left.rows.map((row) => row.id)).toEqual(['ret-2', 'ret-3']);
    expect(await store.dropPartitionsBefore(new Date('2020-01-03T06:00:00.000Z'))).toEqual([]);
  });

  it('refuses a retention cutoff in the future', async () => {
    await expect(new EventStore(db.pool).dropPartitionsBefore(new Date(Date.now() + 86_400_000))).rejects.toThrow(
      /future/,
    );
  });

  it('appends again to a day whose partition another process dropped', async () => {
    await migrateEventStore(db.pool);
    const archiver = new EventStore(db.pool);
    const retention = new EventStore(db.connect());
    const old = new Date('2020-02-01T10:00:00.000Z');
    await archiver.append([
      eventRecord({
        topic: 'replay.topic',
        offset: 1,
        id: 'replay-1',
        type: 'test.replay',
        time: old,
        correlationid: 'replay-1',
      }),
    ]);
    await retention.dropPartitionsBefore(new Date('2020-02-02T00:00:00.000Z'));
    expect(
      await archiver.append([
        eventRecord({
          topic: 'replay.topic',
          offset: 2,
          id: 'replay-2',
          type: 'test.replay',
          time: old,
          correlationid: 'replay-1',
        }),
      ]),
    ).toEqual({ inserted: 1 });
    expect((await listDayPartitions(db.pool)).map((p) => p.name)).toContain('event_store.events_p20200201');
  });
});
