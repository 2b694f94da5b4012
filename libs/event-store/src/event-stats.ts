/**
 * Counts over a window of archive time (kafka_timestamp, so only that window's partitions
 * are read): events per type and topic, dead letters per topic, and hop latency between
 * event types along causation links.
 */
import type { Pool } from 'pg';

export interface StatsWindow {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

export interface EventStats {
  from: Date;
  to: Date;
  /** Records stored in the window, dead letters and repeats on several topics included. */
  total: number;
  /** Most frequent first; `type` is null for records without `ce_type`. */
  byTypeAndTopic: { type: string | null; topic: string; count: number }[];
  /** Records on each `<topic>.dlq`, and how many of them are marked redriven. */
  deadLetters: { topic: string; count: number; redriven: number }[];
  /**
   * Parent type -> child type over causation links where both events were stored in the
   * window (each event id counted once): ce time of the child minus ce time of the parent,
   * nearest-rank percentiles.
   */
  hops: { fromType: string; toType: string; count: number; p50Ms: number; p99Ms: number }[];
}

export async function queryEventStats(pool: Pool, window: StatsWindow): Promise<EventStats> {
  const range = [window.from.toISOString(), window.to.toISOString()];
  const [byTypeAndTopic, deadLetters, hops] = await Promise.all([
    pool.query<{ type: string | null; topic: string; count: string }>(
      `SELECT type, topic, count(*) AS count FROM event_store.events
        WHERE kafka_timestamp >= $1 AND kafka_timestamp < $2
        GROUP BY type, topic ORDER BY count(*) DESC, type, topic`,
      range,
    ),
    pool.query<{ topic: string; count: string; redriven: string }>(
      `SELECT e.topic, count(*) AS count, count(r.redriven_at) AS redriven
         FROM event_store.events e
         LEFT JOIN event_store.redrives r ON r.topic = e.topic AND r.partition = e.partition AND r."offset" = e."offset"
        WHERE e.kafka_timestamp >= $1 AND e.kafka_timestamp < $2 AND right(e.topic, 4) = '.dlq'
        GROUP BY e.topic ORDER BY count(*) DESC, e.topic`,
      range,
    ),
    pool.query<{ from_type: string; to_type: string; count: string; p50_ms: number; p99_ms: number }>(
      `WITH events AS (
         SELECT DISTINCT ON (id) id, type, time, causationid FROM event_store.events
          WHERE kafka_timestamp >= $1 AND kafka_timestamp < $2
            AND id IS NOT NULL AND type IS NOT NULL AND time IS NOT NULL
          ORDER BY id, kafka_timestamp
       ), hops AS (
         SELECT parent.type AS from_type, child.type AS to_type,
                extract(epoch FROM child.time - parent.time) * 1000 AS ms
           FROM events child JOIN events parent ON parent.id = child.causationid AND parent.id <> child.id
       )
       SELECT from_type, to_type, count(*) AS count,
              (percentile_disc(0.5) WITHIN GROUP (ORDER BY ms))::float8 AS p50_ms,
              (percentile_disc(0.99) WITHIN GROUP (ORDER BY ms))::float8 AS p99_ms
         FROM hops GROUP BY from_type, to_type ORDER BY count(*) DESC, from_type, to_type`,
      range,
    ),
  ]);
  const byType = byTypeAndTopic.rows.map((row) => ({ type: row.type, topic: row.topic, count: Number(row.count) }));
  return {
    from: window.from,
    to: window.to,
    total: byType.reduce((sum, row) => sum + row.count, 0),
    byTypeAndTopic: byType,
    deadLetters: deadLetters.rows.map((row) => ({
      topic: row.topic,
      count: Number(row.count),
      redriven: Number(row.redriven),
    })),
    hops: hops.rows.map((row) => ({
      fromType: row.from_type,
      toType: row.to_type,
      count: Number(row.count),
      p50Ms: row.p50_ms,
      p99Ms: row.p99_ms,
    })),
  };
}
