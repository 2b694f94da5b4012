/**
 * The event store's DDL: the schema, the partitioned append-only table, the redrive marks,
 * and the day partitions (created ahead, on demand, and dropped for retention).
 *
 * Every DDL statement runs in its own short transaction under one advisory lock, so several
 * archivers (and a migrating CLI) never race each other into "already exists" errors. It
 * never runs inside an append's transaction: CREATE TABLE ... PARTITION OF takes an ACCESS
 * EXCLUSIVE lock on the parent, and taking it after that transaction's inserts could deadlock
 * with a second writer doing the same.
 */
import type { Pool, PoolClient } from 'pg';
import { addDays, partitionDay, partitionEndsBefore, partitionName, utcDay } from './day-partitions';

export const EVENT_STORE_SCHEMA = 'event_store';
export const EVENTS_TABLE = 'event_store.events';
export const REDRIVES_TABLE = 'event_store.redrives';
export const POSITIONS_TABLE = 'event_store.archive_positions';

/** One lock for all event-store DDL, in every process that shares the database. */
const DDL_LOCK = `SELECT pg_advisory_xact_lock(hashtext('flowline.event_store.ddl'))`;

/** Days created ahead of the stream by migration and by each store, so the live path rarely runs DDL. */
export const DAYS_AHEAD = 2;

const SCHEMA_DDL = `
CREATE SCHEMA IF NOT EXISTS event_store;

CREATE TABLE IF NOT EXISTS event_store.events (
  id              text,
  type            text,
  source          text,
  subject         text,
  time            timestamptz,
  correlationid   text,
  causationid     text,
  schemaversion   int,
  topic           text        NOT NULL,
  partition       int         NOT NULL,
  "offset"        bigint      NOT NULL,
  kafka_timestamp timestamptz NOT NULL,
  key             text,
  headers         jsonb       NOT NULL,
  data            jsonb,
  value_base64    text,
  archived_at     timestamptz NOT NULL DEFAULT now(),
  -- The value's exact text when it is in data (jsonb keeps its meaning, not its bytes); null
  -- with value_base64 set, for a null value, and in rows archived before this column existed.
  value_text      text
) PARTITION BY RANGE (kafka_timestamp);

-- Idempotency is not an index on the events (it cost every append a fifth btree): each
-- Kafka partition's next offset to store is kept here and advanced in the append's own
-- transaction, under this row's lock (archive-positions.ts). numeric, not bigint: after a
-- record at Kafka's highest offset (2^63 - 1) the next one is past bigint.
CREATE TABLE IF NOT EXISTS event_store.archive_positions (
  topic       text    NOT NULL,
  partition   int     NOT NULL,
  next_offset numeric NOT NULL,
  PRIMARY KEY (topic, partition)
);

-- jsonb's own verdict on one value, for the rare batch it refused (EventStore.append): no
-- rule written in TypeScript can know every value jsonb refuses.
CREATE OR REPLACE FUNCTION event_store.jsonb_refuses(value text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
BEGIN
  PERFORM value::jsonb;
  RETURN false;
EXCEPTION WHEN data_exception OR program_limit_exceeded THEN
  RETURN true;
END
$fn$;

-- Few indexes on purpose: each one costs every append.
CREATE INDEX IF NOT EXISTS events_id_idx ON event_store.events (id);
CREATE INDEX IF NOT EXISTS events_correlationid_idx ON event_store.events (correlationid);
CREATE INDEX IF NOT EXISTS events_type_time_idx ON event_store.events (type, time);
-- Partial: only dead letters are looked up by topic and time (dlq counts in stats, findEvents).
CREATE INDEX IF NOT EXISTS events_dead_letter_topic_time_idx ON event_store.events (topic, kafka_timestamp)
  WHERE right(topic, 4) = '.dlq';
-- Partial: a redelivered record without ce_id is recognised by its coordinates (events_id_idx serves the others).
CREATE INDEX IF NOT EXISTS events_without_id_idx ON event_store.events (topic, partition, "offset")
  WHERE id IS NULL;

-- Marks a dead letter as redriven without touching the append-only log.
CREATE TABLE IF NOT EXISTS event_store.redrives (
  topic       text        NOT NULL,
  partition   int         NOT NULL,
  "offset"    bigint      NOT NULL,
  redriven_at timestamptz NOT NULL,
  redriven_to text        NOT NULL,
  PRIMARY KEY (topic, partition, "offset")
);
`;

/**
 * From the first schema, whose idempotency was a unique (topic, partition, offset,
 * kafka_timestamp) constraint: the positions are seeded from the stored rows in the same
 * transaction that drops the constraint (its ACCESS EXCLUSIVE lock keeps inserts out in
 * between), so every stored row lies below its partition's next_offset. Archivers of the
 * old version must be stopped first: they would insert without advancing a position.
 */
const UPGRADE_FROM_UNIQUE_CONSTRAINT = `
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint
              WHERE conname = 'events_kafka_record_key' AND conrelid = 'event_store.events'::regclass) THEN
    LOCK TABLE event_store.events IN ACCESS EXCLUSIVE MODE;
    INSERT INTO event_store.archive_positions (topic, partition, next_offset)
      SELECT topic, partition, max("offset")::numeric + 1 FROM event_store.events GROUP BY topic, partition
      ON CONFLICT (topic, partition) DO UPDATE
        SET next_offset = greatest(event_store.archive_positions.next_offset, excluded.next_offset);
    ALTER TABLE event_store.events DROP CONSTRAINT events_kafka_record_key;
  END IF;
END $$;
DROP INDEX IF EXISTS event_store.events_topic_kafka_timestamp_idx;
`;

/** From the schema whose next_offset was bigint (it could not pass Kafka's highest offset). */
const UPGRADE_POSITIONS_TO_NUMERIC = `
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns
              WHERE table_schema = 'event_store' AND table_name = 'archive_positions'
                AND column_name = 'next_offset' AND data_type = 'bigint') THEN
    ALTER TABLE event_store.archive_positions ALTER COLUMN next_offset TYPE numeric;
  END IF;
END $$;
`;

/**
 * From the schema without value_text (replay re-serialised data, not the original bytes).
 * Checked first: ALTER TABLE would take an ACCESS EXCLUSIVE lock at every start. A nullable
 * column without a default is added to the partitioned table and its partitions without a
 * rewrite.
 */
const UPGRADE_ADD_VALUE_TEXT = `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = 'event_store' AND table_name = 'events' AND column_name = 'value_text') THEN
    ALTER TABLE event_store.events ADD COLUMN value_text text;
  END IF;
END $$;
`;

/**
 * Creates (or completes) the event store: idempotent, and safe when several processes run it
 * at once. Also creates the partitions of today and the next DAYS_AHEAD days.
 */
export async function migrateEventStore(pool: Pool): Promise<void> {
  const today = utcDay(new Date());
  await withDdlLock(pool, async (client) => {
    await client.query(SCHEMA_DDL);
    await client.query(UPGRADE_FROM_UNIQUE_CONSTRAINT);
    await client.query(UPGRADE_POSITIONS_TO_NUMERIC);
    await client.query(UPGRADE_ADD_VALUE_TEXT);
    for (let ahead = 0; ahead <= DAYS_AHEAD; ahead++) await createDayPartition(client, addDays(today, ahead));
  });
}

/** Creates the day partitions of every day from `from` to `to` (inclusive, UTC days) that is missing. */
export async function ensureDayPartitions(pool: Pool, from: Date, to: Date): Promise<string[]> {
  const days: Date[] = [];
  for (let day = utcDay(from); day.getTime() <= to.getTime(); day = addDays(day, 1)) days.push(day);
  await withDdlLock(pool, async (client) => {
    for (const day of days) await createDayPartition(client, day);
  });
  return days.map((day) => `${EVENT_STORE_SCHEMA}.${partitionName(day)}`);
}

/** The day partitions that exist now, oldest first, as `{ name: 'event_store.events_p…', day }`. */
export async function listDayPartitions(pool: Pool): Promise<{ name: string; day: Date }[]> {
  const result = await pool.query<{ relname: string }>(
    `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass('event_store.events')`,
  );
  const partitions: { name: string; day: Date }[] = [];
  for (const { relname } of result.rows) {
    const day = partitionDay(relname);
    if (day !== undefined) partitions.push({ name: `${EVENT_STORE_SCHEMA}.${relname}`, day });
  }
  return partitions.sort((a, b) => a.day.getTime() - b.day.getTime());
}

/**
 * Retention: drops every day partition whose whole day lies before `cutoff` (a day that
 * `cutoff` falls in is kept). Whole partitions, never row deletes: instant, no bloat, no vacuum.
 */
export async function dropDayPartitionsBefore(pool: Pool, cutoff: Date): Promise<string[]> {
  if (Number.isNaN(cutoff.getTime())) throw new RangeError('retention cutoff is not a valid date');
  if (cutoff.getTime() > Date.now())
    throw new RangeError(`retention cutoff ${cutoff.toISOString()} is in the future: that would drop live partitions`);
  const old = (await listDayPartitions(pool)).filter((partition) => partitionEndsBefore(partition.day, cutoff));
  const dropped: string[] = [];
  for (const partition of old) {
    // One transaction per partition: each holds the parent's lock only for its own drop.
    await withDdlLock(pool, async (client) => {
      await client.query(`DROP TABLE IF EXISTS ${partition.name}`);
    });
    dropped.push(partition.name);
  }
  return dropped;
}

/**
 * Remembers which day partitions exist, so an append runs DDL only for a day it has not
 * seen yet. Another process may drop a partition behind its back (retention): the store then
 * forgets the days and ensures them again (see EventStore.append).
 */
export class DayPartitionCache {
  private readonly known = new Set<number>();
  private lookAheadAfter = 0;

  constructor(private readonly pool: Pool) {}

  /**
   * Ensures the partitions of `days` (needed now: an error if they cannot be made) and, best
   * effort, of today's next DAYS_AHEAD days. Creating a partition briefly locks the whole
   * table and waits behind long readers (a stats query, a dump) at most DDL_LOCK_TIMEOUT; a
   * look-ahead day that could not be made is tried again a minute later, not on every append.
   */
  async ensure(days: readonly Date[]): Promise<void> {
    await this.create(days);
    const now = Date.now();
    if (now < this.lookAheadAfter) return;
    const today = utcDay(new Date(now));
    const ahead: Date[] = [];
    for (let offset = 0; offset <= DAYS_AHEAD; offset++) ahead.push(addDays(today, offset));
    try {
      await this.create(ahead);
    } catch {
      this.lookAheadAfter = now + LOOK_AHEAD_RETRY_MS;
    }
  }

  private async create(days: readonly Date[]): Promise<void> {
    const missing = new Map<number, Date>();
    for (const day of days.map(utcDay)) if (!this.known.has(day.getTime())) missing.set(day.getTime(), day);
    if (missing.size === 0) return;
    await withDdlLock(this.pool, async (client) => {
      for (const day of missing.values()) await createDayPartition(client, day);
    });
    for (const key of missing.keys()) this.known.add(key);
  }

  forget(days: Iterable<Date>): void {
    for (const day of days) this.known.delete(utcDay(day).getTime());
  }

  forgetAll(): void {
    this.known.clear();
  }
}

/** ISO text PostgreSQL reads; past year 9999 JavaScript writes '+010000-…', PostgreSQL wants '10000-…'. */
function sqlTimestamp(date: Date): string {
  return date.toISOString().replace(/^\+0*/, '');
}

async function createDayPartition(client: PoolClient, day: Date): Promise<void> {
  const start = utcDay(day);
  // IF NOT EXISTS returns before touching the parent table when the partition is there.
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${EVENT_STORE_SCHEMA}.${partitionName(start)} PARTITION OF ${EVENTS_TABLE}
       FOR VALUES FROM ('${sqlTimestamp(start)}') TO ('${sqlTimestamp(addDays(start, 1))}')`,
  );
}

/** How long DDL waits for the table lock before giving up (and the insert waiting behind it with it). */
const DDL_LOCK_TIMEOUT = '5s';
const LOOK_AHEAD_RETRY_MS = 60_000;

async function withDdlLock(pool: Pool, work: (client: PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(DDL_LOCK);
    // CREATE ... PARTITION OF and DROP take an exclusive lock on the parent table; queued
    // behind a long reader, they would hold up every insert queued behind them.
    await client.query(`SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT}'`);
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
