/**
 * How long `EventStore.trace(correlationId)` takes on a store holding a week of traffic:
 * a fresh database is bulk-loaded (in SQL, generate_series) with >= 1,000,000 events as
 * causal chains of 5-10 events spread over 7 days of Kafka time, about 2% of them ending in
 * a dead letter; then random existing correlation ids are traced one after another.
 * Target: p99 <= 50 ms. The database is dropped at the end.
 */
import { EventStore, ensureDayPartitions, migrateEventStore } from '@flowline/event-store';
import type { Pool } from 'pg';
import { percentile } from '../messaging/percentiles';
import { createBenchDatabase, DEFAULT_DATABASE_URL } from './bench-database';

export interface TraceLatencyOptions {
  databaseUrl?: string;
  /** At least this many events (distinct ids) are loaded; default 1,000,000. */
  events?: number;
  /** Days of Kafka time the chains are spread over; default 7. */
  days?: number;
  /** Traces timed; default 2,000. */
  samples?: number;
  /** Traces run first and not timed; default 200. */
  warmup?: number;
  log?: (line: string) => void;
}

export interface TraceLatencyResult {
  events: number;
  /** Rows stored: events plus dead-letter copies. */
  rows: number;
  chains: number;
  partitions: number;
  loadSeconds: number;
  analyzeSeconds: number;
  /** Heap, TOAST and indexes of every partition. */
  tableBytes: number;
  indexBytes: number;
  samples: number;
  meanEventsPerTrace: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  targetP99Ms: number;
  targetMet: boolean;
}

const TARGET_P99_MS = 50;
const DAY_MS = 86_400_000;
const MIN_CHAIN = 5;
const CHAIN_LENGTHS = 6; // 5..10 events

/** The chain length of chain number c, the same formula the SQL uses. */
const chainLength = (c: number): number => MIN_CHAIN + ((c * 7919) % CHAIN_LENGTHS);

export async function traceLatency(options: TraceLatencyOptions = {}): Promise<TraceLatencyResult> {
  const wantedEvents = options.events ?? 1_000_000;
  const days = options.days ?? 7;
  const samples = options.samples ?? 2_000;
  const warmup = options.warmup ?? 200;
  const log = options.log ?? (() => undefined);

  let chains = 0;
  let events = 0;
  while (events < wantedEvents) events += chainLength(++chains);

  const db = await createBenchDatabase(
    options.databaseUrl ?? process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL,
    'trace',
    4,
  );
  try {
    await migrateEventStore(db.pool);
    const start = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - days * DAY_MS);
    const partitions = await ensureDayPartitions(db.pool, start, new Date(start.getTime() + days * DAY_MS));

    log(`loading ${events.toLocaleString('en')} events in ${chains.toLocaleString('en')} chains over ${days} days`);
    const loadBegan = performance.now();
    await loadChains(db.pool, { chains, start, days, log });
    const loadSeconds = (performance.now() - loadBegan) / 1000;
    const analyzeBegan = performance.now();
    await db.pool.query('ANALYZE event_store.events');
    const analyzeSeconds = (performance.now() - analyzeBegan) / 1000;
    const sizes = await db.pool.query<{ rows: string; table_bytes: string; index_bytes: string }>(
      `SELECT (SELECT count(*) FROM event_store.events) AS rows,
              sum(pg_total_relation_size(relid)) AS table_bytes, sum(pg_indexes_size(relid)) AS index_bytes
         FROM pg_partition_tree('event_store.events') WHERE isleaf`,
    );
    log(
      `loaded in ${loadSeconds.toFixed(1)} s, analyzed in ${analyzeSeconds.toFixed(1)} s; tracing ${samples} random chains`,
    );

    const store = new EventStore(db.pool);
    const ids = await randomCorrelationIds(db.pool, chains, warmup + samples);
    for (const id of ids.slice(0, warmup)) await store.trace(id);
    const latencies = new Float64Array(samples);
    let traced = 0;
    for (let i = 0; i < samples; i++) {
      const id = ids[warmup + i] as string;
      const began = performance.now();
      const trace = await store.trace(id);
      latencies[i] = performance.now() - began;
      if (trace === undefined) throw new Error(`no trace for loaded correlation id ${id}`);
      traced += trace.eventCount;
    }
    latencies.sort();
    const row = sizes.rows[0];
    const p99Ms = percentile(latencies, 0.99);
    return {
      events,
      rows: Number(row?.rows),
      chains,
      partitions: partitions.length,
      loadSeconds,
      analyzeSeconds,
      tableBytes: Number(row?.table_bytes),
      indexBytes: Number(row?.index_bytes),
      samples,
      meanEventsPerTrace: traced / samples,
      p50Ms: percentile(latencies, 0.5),
      p99Ms,
      maxMs: latencies[latencies.length - 1] ?? Number.NaN,
      targetP99Ms: TARGET_P99_MS,
      targetMet: p99Ms <= TARGET_P99_MS,
    };
  } finally {
    await db.drop();
  }
}

/**
 * Chain c starts at start + (c / chains) * days and has 5-10 events, one every 20-500 ms.
 * Event s is caused by s-1 (by s-2 for every third, so chains branch); about 2% of chains
 * also dead-letter their last event. Ids are md5-derived UUIDs; the chain's correlation id
 * is its first event's id. Loaded in slices by two sessions at once (the machine's cores).
 */
async function loadChains(
  pool: Pool,
  load: { chains: number; start: Date; days: number; log: (line: string) => void },
): Promise<void> {
  const slices = 16;
  const perSlice = Math.ceil(load.chains / slices);
  const spanMs = load.days * DAY_MS;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < slices) {
      const slice = next++;
      const first = slice * perSlice + 1;
      const last = Math.min(load.chains, (slice + 1) * perSlice);
      await pool.query(INSERT_CHAINS, [first, last, load.chains, load.start.toISOString(), spanMs]);
      await pool.query(INSERT_DEAD_LETTERS, [first, last, load.chains, load.start.toISOString(), spanMs]);
      load.log(`  slice ${slice + 1}/${slices} loaded`);
    }
  };
  await Promise.all([worker(), worker()]);
}

const TYPES = `ARRAY['webhook.received','document.processed','invoice.received','invoice.processed','email.classified','sync.completed','data.changed','file.uploaded','email.incoming','document.processed']`;
const TOPICS = `ARRAY['ingress.webhook','events.domain','agent.invoice','events.domain','agent.email','agent.sync','ingress.cdc','ingress.file','agent.email','events.domain']`;

/** One row per event of chains $1..$2 (of $3), times from $4 over $5 ms. */
const CHAIN_EVENTS = `
  SELECT c, s,
         md5(c || ':' || s)::uuid::text AS id,
         md5(c || ':0')::uuid::text AS correlationid,
         CASE WHEN s = 0 THEN NULL ELSE md5(c || ':' || CASE WHEN s % 3 = 2 THEN s - 2 ELSE s - 1 END)::uuid::text END AS causationid,
         (${TYPES})[s + 1] AS type,
         (${TOPICS})[s + 1] AS topic,
         $4::timestamptz + ((c - 1)::float8 / $3 * $5) * interval '1 ms' + s * (20 + (c * 31) % 480) * interval '1 ms' AS time
    FROM generate_series($1::int, $2::int) AS c
   CROSS JOIN LATERAL generate_series(0, ${MIN_CHAIN - 1} + (c * 7919) % ${CHAIN_LENGTHS}) AS s`;

const ROW_VALUES = (topic: string, offset: string, extraHeaders: string): string => `
  id, type, '/bench/' || split_part(type, '.', 1), NULL, time, correlationid, causationid, 1,
  ${topic}, c % 6, ${offset}, time + interval '3 ms', 'order-' || (c % 5000),
  jsonb_build_object('ce_specversion', '1.0', 'ce_id', id, 'ce_type', type, 'ce_source', '/bench/' || split_part(type, '.', 1),
    'ce_time', to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'ce_correlationid', correlationid,
    'ce_schemaversion', '1', 'content-type', 'application/json',
    'traceparent', '00-' || md5(id) || '-' || left(md5(correlationid), 16) || '-01') ${extraHeaders}
    || CASE WHEN causationid IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('ce_causationid', causationid) END,
  jsonb_build_object('chain', c, 'step', s, 'note', repeat('x', 120), 'amount', jsonb_build_object('amountMinor', c * 10 + s, 'currency', 'EUR')),
  NULL`;

const COLUMNS = `(id, type, source, subject, time, correlationid, causationid, schemaversion,
  topic, partition, "offset", kafka_timestamp, key, headers, data, value_base64)`;

const INSERT_CHAINS = `INSERT INTO event_store.events ${COLUMNS}
  SELECT ${ROW_VALUES('topic', 'c::bigint * 16 + s', '')} FROM (${CHAIN_EVENTS}) e`;

/** The last event of every 50th chain, again on `<topic>.dlq` with the dead-letter headers. */
const INSERT_DEAD_LETTERS = `INSERT INTO event_store.events ${COLUMNS}
  SELECT ${ROW_VALUES(
    `topic || '.dlq'`,
    'c',
    `|| jsonb_build_object('flowline-dlq-reason', 'bench: invoice total is negative',
    'flowline-dlq-error-class', 'NonRetryableError', 'flowline-dlq-attempts', '1', 'flowline-dlq-original-topic', topic)`,
  )}
    FROM (${CHAIN_EVENTS}) e
   WHERE c % 50 = 0 AND s = ${MIN_CHAIN - 1} + (c * 7919) % ${CHAIN_LENGTHS}`;

async function randomCorrelationIds(pool: Pool, chains: number, count: number): Promise<string[]> {
  const result = await pool.query<{ id: string }>(
    `SELECT md5((1 + floor(random() * $1))::int || ':0')::uuid::text AS id FROM generate_series(1, $2)`,
    [chains, count],
  );
  return result.rows.map((row) => row.id);
}
