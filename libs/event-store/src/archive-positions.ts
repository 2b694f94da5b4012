/**
 * Idempotent appends without a unique index: why a redelivery adds no row, and a record is
 * never dropped.
 *
 * `event_store.archive_positions` holds, per Kafka (topic, partition), `next_offset`: every
 * row stored for that partition has a lower offset. An append locks its partitions' rows
 * (FOR UPDATE semantics, via an upsert, in (topic, partition) order so two appends cannot
 * deadlock), stores its records and advances `next_offset` in the same transaction. So:
 * - a record at or above `next_offset` cannot be stored yet: it is inserted without a lookup
 *   (the whole batch, in the steady state);
 * - a record below it is inserted only when no row has the same topic, partition, offset,
 *   Kafka timestamp and event id (an index lookup by id; by coordinates for a record without
 *   one). A redelivery after a crash or a rebalance finds its rows and adds none; a topic
 *   deleted and re-created restarts its offsets at 0, and its records differ in timestamp
 *   and id from the old topic's, so they are stored (they are looked up until the new
 *   topic's offsets pass the old `next_offset`, which never moves back);
 * - two archivers writing the same partition during a rebalance are serialised by the row
 *   lock: the second sees the first's rows and position once the first committed.
 * `next_offset` only ever grows. Offsets are compared as BigInt: Kafka's are 64-bit.
 */
import type { PoolClient } from 'pg';
import { POSITIONS_TABLE } from './event-store-schema';
import type { EventRowColumns } from './record-columns';

/** One Kafka partition: `topic\u0000partition` (NUL cannot occur in a stored topic name). */
export type PartitionKey = string;

export function partitionKey(row: Pick<EventRowColumns, 'topic' | 'partition'>): PartitionKey {
  return `${row.topic}\u0000${row.partition}`;
}

export interface PartitionPosition {
  topic: string;
  partition: number;
  nextOffset: bigint;
}

export interface AppendPlan {
  /** At or above their partition's next_offset: certainly not stored yet. */
  fresh: EventRowColumns[];
  /** Below it: stored only if the store does not hold them already. */
  redelivered: EventRowColumns[];
  /** The partitions' next_offset after this append, for those that move forward. */
  advanced: PartitionPosition[];
}

/**
 * Splits the rows by their partition's next_offset (pure). A row repeated within the batch
 * (same partition, offset, timestamp and id) is kept once. The archiver's batches are one
 * partition in offset order, which needs no duplicate check at all.
 */
export function planAppend(
  groups: readonly PartitionGroup[],
  nextOffsets: ReadonlyMap<PartitionKey, bigint>,
): AppendPlan {
  const plan: AppendPlan = { fresh: [], redelivered: [], advanced: [] };
  for (const group of groups) {
    const next = nextOffsets.get(group.key) ?? 0n;
    let highest = -1n;
    for (const { row, offset } of group.ascending ? group.entries : withoutRepeats(group.entries)) {
      (offset >= next ? plan.fresh : plan.redelivered).push(row);
      if (offset > highest) highest = offset;
    }
    if (highest >= next)
      plan.advanced.push({ topic: group.topic, partition: group.partition, nextOffset: highest + 1n });
  }
  return plan;
}

/** The rows of one Kafka partition, in batch order. */
export interface PartitionGroup {
  key: PartitionKey;
  topic: string;
  partition: number;
  entries: { row: EventRowColumns; offset: bigint }[];
  /** Offsets strictly ascending: no row can repeat another. */
  ascending: boolean;
}

/** The rows grouped by Kafka partition, once per append: both locking and planning read the groups. */
export function partitionGroups(rows: readonly EventRowColumns[]): PartitionGroup[] {
  const groups = new Map<PartitionKey, PartitionGroup>();
  let group: PartitionGroup | undefined;
  for (const row of rows) {
    if (group === undefined || group.topic !== row.topic || group.partition !== row.partition) {
      const key = partitionKey(row);
      group = groups.get(key);
      if (group === undefined) {
        group = { key, topic: row.topic, partition: row.partition, entries: [], ascending: true };
        groups.set(key, group);
      }
    }
    const offset = BigInt(row.offset);
    const previous = group.entries[group.entries.length - 1];
    if (previous !== undefined && offset <= previous.offset) group.ascending = false;
    group.entries.push({ row, offset });
  }
  return [...groups.values()];
}

function withoutRepeats(entries: PartitionGroup['entries']): PartitionGroup['entries'] {
  const seen = new Set<string>();
  return entries.filter(({ row, offset }) => {
    const identity = `${offset}\u0000${row.kafkaTimestamp}\u0000${row.id ?? ''}`;
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}

/**
 * Locks the partitions' position rows (creating them at 0) until the transaction ends and
 * answers their next_offset. Sorted, so concurrent appends lock in the same order.
 */
export async function lockPositions(
  client: PoolClient,
  groups: readonly PartitionGroup[],
): Promise<Map<PartitionKey, bigint>> {
  const sorted = [...groups].sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
  );
  // DO UPDATE (a no-op update) rather than DO NOTHING: it locks the existing row and returns it.
  const result = await client.query<{ topic: string; partition: number; next_offset: string }>({
    name: 'event_store_lock_positions',
    text: `INSERT INTO ${POSITIONS_TABLE} AS p (topic, partition, next_offset)
           SELECT topic, partition, 0 FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS k(topic, partition, n) ORDER BY n
           ON CONFLICT (topic, partition) DO UPDATE SET next_offset = p.next_offset
           RETURNING p.topic, p.partition, p.next_offset::text`,
    values: [sorted.map((p) => p.topic), sorted.map((p) => p.partition)],
  });
  return new Map(result.rows.map((row) => [partitionKey(row), BigInt(row.next_offset)]));
}

/** The rows (of those below their next_offset) that the store already holds. */
export async function alreadyStored(
  client: PoolClient,
  rows: readonly EventRowColumns[],
): Promise<Set<EventRowColumns>> {
  if (rows.length === 0) return new Set();
  // Runtime partition pruning on kafka_timestamp, then events_id_idx (or the partial
  // events_without_id_idx for a record without ce_id) finds the candidate row.
  const result = await client.query<{ i: string }>({
    name: 'event_store_already_stored',
    text: `SELECT b.i FROM unnest($1::text[], $2::int[], $3::bigint[], $4::timestamptz[], $5::text[])
                      WITH ORDINALITY AS b(topic, partition, "offset", kafka_timestamp, id, i)
            WHERE (b.id IS NOT NULL AND EXISTS (
                     SELECT 1 FROM event_store.events e
                      WHERE e.id = b.id AND e.kafka_timestamp = b.kafka_timestamp
                        AND e.topic = b.topic AND e.partition = b.partition AND e."offset" = b."offset"))
               OR (b.id IS NULL AND EXISTS (
                     SELECT 1 FROM event_store.events e
                      WHERE e.id IS NULL AND e.kafka_timestamp = b.kafka_timestamp
                        AND e.topic = b.topic AND e.partition = b.partition AND e."offset" = b."offset"))`,
    values: [
      rows.map((r) => r.topic),
      rows.map((r) => r.partition),
      rows.map((r) => r.offset),
      rows.map((r) => r.kafkaTimestamp),
      rows.map((r) => r.id),
    ],
  });
  return new Set(result.rows.map((row) => rows[Number(row.i) - 1] as EventRowColumns));
}

/** Moves the partitions' next_offset forward (never back), inside the locking transaction. */
export async function advancePositions(client: PoolClient, advanced: readonly PartitionPosition[]): Promise<void> {
  if (advanced.length === 0) return;
  await client.query({
    name: 'event_store_advance_positions',
    text: `UPDATE ${POSITIONS_TABLE} AS p SET next_offset = v.next_offset
             FROM unnest($1::text[], $2::int[], $3::numeric[]) AS v(topic, partition, next_offset)
            WHERE p.topic = v.topic AND p.partition = v.partition AND p.next_offset < v.next_offset`,
    values: [
      advanced.map((p) => p.topic),
      advanced.map((p) => p.partition),
      advanced.map((p) => p.nextOffset.toString()),
    ],
  });
}
