/**
 * The event store: an append-only PostgreSQL log of every Kafka record on every Flowline
 * topic, and the queries behind `flowline trace | dlq | replay | stats`.
 *
 * Appends are idempotent on the record's Kafka coordinates (archive-positions.ts: a stored
 * position per Kafka partition, advanced in the append's transaction), so the archiver may
 * commit its offsets after the append and simply re-append after a crash. Nothing is ever updated or deleted row by row: redrives
 * are marks in their own table, retention drops whole day partitions.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { isDeadLetterTopic } from '@flowline/event-schemas';
import { from as copyFrom } from 'pg-copy-streams';
import { advancePositions, alreadyStored, lockPositions, partitionGroups, planAppend } from './archive-positions';
import { copyText, EVENTS_COPY_COLUMNS } from './copy-text';
import { DayPartitionCache, dropDayPartitionsBefore, EVENTS_TABLE, REDRIVES_TABLE } from './event-store-schema';
import { EventStats, queryEventStats, StatsWindow } from './event-stats';
import { ArchivedRecord, base64Columns, EventRowColumns, recordColumns } from './record-columns';
import {
  EVENTS_WITH_REDRIVES,
  RedriveMark,
  recordKey,
  STORED_EVENT_COLUMNS,
  StoredEvent,
  storedEventFromRow,
  StoredEventRow,
} from './stored-event';
import { buildTrace, EventTrace } from './trace-tree';

/** Rows per piece of COPY text sent: bounds the memory a very large batch takes at once. */
const COPY_CHUNK_ROWS = 1_000;
const DEFAULT_FIND_LIMIT = 100;
const MAX_FIND_LIMIT = 100_000;

export interface EventFilter {
  /** Kafka timestamp, inclusive. */
  from?: Date;
  /** Kafka timestamp, exclusive. */
  to?: Date;
  type?: string;
  correlationId?: string;
  /** Exact topic name. */
  topic?: string;
  /** Only records on dead-letter topics (`<topic>.dlq`). */
  deadLetters?: boolean;
  /** Default 100, at most 100,000. */
  limit?: number;
  /** By kafka_timestamp; default 'asc' (oldest first). */
  order?: 'asc' | 'desc';
}

export interface KafkaCoordinates {
  topic: string;
  partition: number;
  offset: string;
}

export class EventStore {
  private readonly partitions: DayPartitionCache;

  constructor(private readonly pool: Pool) {
    this.partitions = new DayPartitionCache(pool);
  }

  /**
   * Stores the records in one transaction; a record already stored (same topic, partition,
   * offset, timestamp and id) is skipped. Creates missing day partitions first.
   * Resolves with how many rows were new.
   */
  async append(records: readonly ArchivedRecord[]): Promise<{ inserted: number }> {
    if (records.length === 0) return { inserted: 0 };
    // Values go to jsonb unparsed: parsing them here too was the archiver's largest cost.
    const rows = records.map((record) => recordColumns(record));
    try {
      return await this.appendRows(rows);
    } catch (error) {
      if (!isRefusedValue(error)) throw error;
      // jsonb refused a value (not JSON after all, or JSON it cannot hold): jsonb itself says
      // which, in one round trip; those are kept as base64, the rest of the batch as it was.
      const refused = await this.refusedByJsonb(rows);
      return await this.appendRows(
        rows.map((row, i) =>
          refused.has(i) ? { ...row, ...base64Columns((records[i] as ArchivedRecord).value) } : row,
        ),
      );
    }
  }

  /** The indexes of the rows whose data jsonb refuses (event_store.jsonb_refuses, one round trip). */
  private async refusedByJsonb(rows: readonly EventRowColumns[]): Promise<Set<number>> {
    const result = await this.pool.query<{ i: string }>(
      `SELECT i FROM unnest($1::text[]) WITH ORDINALITY AS v(data, i) WHERE event_store.jsonb_refuses(data)`,
      [rows.map((row) => row.data)],
    );
    return new Set(result.rows.map((row) => Number(row.i) - 1));
  }

  /** Retention: drops the day partitions entirely before `cutoff`; returns their names. */
  async dropPartitionsBefore(cutoff: Date): Promise<string[]> {
    const dropped = await dropDayPartitionsBefore(this.pool, cutoff);
    if (dropped.length > 0) this.partitions.forgetAll();
    return dropped;
  }

  /** Every stored appearance of the event id (one per topic it passed, dead letters included), oldest first. */
  async findById(id: string): Promise<StoredEvent[]> {
    return this.select(`e.id = $1`, [id], 'e.kafka_timestamp, e.topic, e.partition, e."offset"');
  }

  /** The causal tree of a correlation id; undefined when no stored event carries it. */
  async trace(correlationId: string): Promise<EventTrace | undefined> {
    const events = await this.select(`e.correlationid = $1`, [correlationId], 'e.kafka_timestamp', 'event_store_trace');
    return buildTrace(correlationId, events);
  }

  /** Stored records matching every given filter, ordered by Kafka timestamp. */
  async findEvents(filter: EventFilter): Promise<StoredEvent[]> {
    const limit = filter.limit ?? DEFAULT_FIND_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FIND_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_FIND_LIMIT} (got ${limit})`);
    }
    const conditions: string[] = [];
    const values: unknown[] = [];
    const where = (condition: (placeholder: string) => string, value: unknown): void => {
      values.push(value);
      conditions.push(condition(`$${values.length}`));
    };
    if (filter.from !== undefined) where((p) => `e.kafka_timestamp >= ${p}`, filter.from.toISOString());
    if (filter.to !== undefined) where((p) => `e.kafka_timestamp < ${p}`, filter.to.toISOString());
    if (filter.type !== undefined) where((p) => `e.type = ${p}`, filter.type);
    if (filter.correlationId !== undefined) where((p) => `e.correlationid = ${p}`, filter.correlationId);
    if (filter.topic !== undefined) where((p) => `e.topic = ${p}`, filter.topic);
    // Spelled as the partial index events_dead_letter_topic_time_idx is, so a dead-letter topic's rows are found by it.
    if (filter.deadLetters === true || (filter.topic !== undefined && isDeadLetterTopic(filter.topic)))
      conditions.push(`right(e.topic, 4) = '.dlq'`);
    const direction = filter.order === 'desc' ? 'DESC' : 'ASC';
    values.push(limit);
    return this.select(
      conditions.length === 0 ? 'true' : conditions.join(' AND '),
      values,
      `e.kafka_timestamp ${direction}, e.topic ${direction}, e.partition ${direction}, e."offset" ${direction} LIMIT $${values.length}`,
    );
  }

  /** Counts per type and topic, dead letters per topic, hop latency per parent -> child type. */
  async stats(window: StatsWindow): Promise<EventStats> {
    return queryEventStats(this.pool, window);
  }

  /**
   * Marks a dead letter as redriven (republished to `redrivenTo`). Marking it again updates
   * the mark: the newest redrive is the one that counts.
   */
  async markRedriven(record: KafkaCoordinates, redrivenTo: string, at: Date = new Date()): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${REDRIVES_TABLE} (topic, partition, "offset", redriven_at, redriven_to) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (topic, partition, "offset") DO UPDATE SET redriven_at = excluded.redriven_at, redriven_to = excluded.redriven_to`,
      [record.topic, record.partition, record.offset, at.toISOString(), redrivenTo],
    );
  }

  /** The redrive marks of those records that have one, keyed by `recordKey` (`topic:partition:offset`). */
  async redriven(records: readonly KafkaCoordinates[]): Promise<Map<string, RedriveMark>> {
    const marks = new Map<string, RedriveMark>();
    if (records.length === 0) return marks;
    const result = await this.pool.query<{
      topic: string;
      partition: number;
      offset: string;
      redriven_at: Date;
      redriven_to: string;
    }>(
      `SELECT r.topic, r.partition, r."offset"::text AS "offset", r.redriven_at, r.redriven_to
         FROM ${REDRIVES_TABLE} r
         JOIN unnest($1::text[], $2::int[], $3::bigint[]) AS wanted(topic, partition, "offset")
           ON r.topic = wanted.topic AND r.partition = wanted.partition AND r."offset" = wanted."offset"`,
      [records.map((r) => r.topic), records.map((r) => r.partition), records.map((r) => r.offset)],
    );
    for (const row of result.rows)
      marks.set(recordKey(row), { redrivenAt: row.redriven_at, redrivenTo: row.redriven_to });
    return marks;
  }

  private async select(
    where: string,
    values: readonly unknown[],
    orderBy: string,
    name?: string,
  ): Promise<StoredEvent[]> {
    const text = `SELECT ${STORED_EVENT_COLUMNS} FROM ${EVENTS_WITH_REDRIVES} WHERE ${where} ORDER BY ${orderBy}`;
    const result = await this.pool.query<StoredEventRow>(
      name === undefined ? { text, values: [...values] } : { name, text, values: [...values] },
    );
    return result.rows.map(storedEventFromRow);
  }

  private async appendRows(rows: readonly EventRowColumns[]): Promise<{ inserted: number }> {
    // The rows' timestamps: a record whose own cannot be stored is filed under a fixed day (record-columns.ts).
    const days = rowDays(rows);
    await this.partitions.ensure(days);
    try {
      return { inserted: await this.insert(rows) };
    } catch (error) {
      if (!isMissingPartition(error)) throw error;
      // Another process dropped a partition this store had seen (retention): make it again.
      this.partitions.forget(days);
      await this.partitions.ensure(days);
      return { inserted: await this.insert(rows) };
    }
  }

  /**
   * One transaction: lock the partitions' positions, leave out what is already stored, COPY
   * the rest, advance the positions (archive-positions.ts says why this is idempotent).
   */
  private async insert(rows: readonly EventRowColumns[]): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const groups = partitionGroups(rows);
      const plan = planAppend(groups, await lockPositions(client, groups));
      const stored = await alreadyStored(client, plan.redelivered);
      const news =
        stored.size === 0
          ? [...plan.fresh, ...plan.redelivered]
          : [...plan.fresh, ...plan.redelivered.filter((row) => !stored.has(row))];
      if (news.length > 0) await copyRows(client, news);
      await advancePositions(client, plan.advanced);
      await client.query('COMMIT');
      return news.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

async function copyRows(client: PoolClient, rows: readonly EventRowColumns[]): Promise<void> {
  function* pieces(): Generator<string> {
    for (let start = 0; start < rows.length; start += COPY_CHUNK_ROWS)
      yield copyText(rows.slice(start, start + COPY_CHUNK_ROWS));
  }
  await pipeline(
    Readable.from(pieces()),
    client.query(copyFrom(`COPY ${EVENTS_TABLE} (${EVENTS_COPY_COLUMNS}) FROM STDIN`)),
  );
}

/** Midnight UTC of each distinct day among the rows' Kafka timestamps (ISO text, years 1–9999: its first 10 characters are the day). */
function rowDays(rows: readonly EventRowColumns[]): Date[] {
  const days = new Set<string>();
  for (const row of rows) days.add(row.kafkaTimestamp.slice(0, 10));
  return [...days].map((day) => new Date(`${day}T00:00:00.000Z`));
}

/** A data exception (SQLSTATE class 22, e.g. 22P02 "invalid input syntax for type json") or jsonb nested too deep (54001). */
function isRefusedValue(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (code.startsWith('22') || code === '54001');
}

/** PostgreSQL's "no partition of relation … found for row" (check_violation, 23514). */
function isMissingPartition(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '23514' &&
    /no partition of relation/.test((error as { message?: unknown }).message as string)
  );
}
