/**
 * How fast `EventStore.append` stores realistic records (CloudEvent headers, ~400-byte JSON
 * data) in archiver-sized batches, on a fresh database: the ceiling for the event-archiver.
 */
import { randomUUID } from 'node:crypto';
import { EventStore, migrateEventStore, type ArchivedRecord } from '@flowline/event-store';
import { createBenchDatabase, DEFAULT_DATABASE_URL } from './bench-database';

export interface AppendThroughputOptions {
  databaseUrl?: string;
  records?: number;
  batchSize?: number;
  /** Appends in flight at once (each on its own connection); default 1. */
  concurrency?: number;
}

export interface AppendThroughputResult {
  records: number;
  batchSize: number;
  concurrency: number;
  seconds: number;
  rowsPerSecond: number;
  /** Slowest batch, ms. */
  maxBatchMs: number;
}

export async function appendThroughput(options: AppendThroughputOptions = {}): Promise<AppendThroughputResult> {
  const total = options.records ?? 100_000;
  const batchSize = options.batchSize ?? 1_000;
  const concurrency = options.concurrency ?? 1;
  const db = await createBenchDatabase(options.databaseUrl ?? DEFAULT_DATABASE_URL, 'append');
  try {
    await migrateEventStore(db.pool);
    const store = new EventStore(db.pool);
    const batches = realisticBatches(total, batchSize, Date.now());
    await store.append(batches[0]?.slice(0, 10) ?? []); // partitions and prepared statement, off the clock
    let maxBatchMs = 0;
    let next = 0;
    const appender = async (): Promise<void> => {
      for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) {
        const batchBegan = performance.now();
        await store.append(batch);
        maxBatchMs = Math.max(maxBatchMs, performance.now() - batchBegan);
      }
    };
    const began = performance.now();
    await Promise.all(Array.from({ length: concurrency }, appender));
    const seconds = (performance.now() - began) / 1000;
    return { records: total, batchSize, concurrency, seconds, rowsPerSecond: total / seconds, maxBatchMs };
  } finally {
    await db.drop();
  }
}

/** `total` realistic records in batches of `batchSize`, each batch one Kafka partition's, offsets counting from 0. */
export function realisticBatches(total: number, batchSize: number, now: number): ArchivedRecord[][] {
  const batches: ArchivedRecord[][] = [];
  for (let offset = 0; offset < total; offset += batchSize) {
    batches.push(
      Array.from({ length: Math.min(batchSize, total - offset) }, (_, i) =>
        realisticRecord(offset + i, offset / batchSize, now),
      ),
    );
  }
  return batches;
}

/**
 * One batch holds one Kafka partition's records, as the archiver's batches do (appends of
 * different partitions do not wait for each other's position lock; see archive-positions.ts).
 */
export function realisticRecord(offset: number, batch: number, now: number): ArchivedRecord {
  const id = randomUUID();
  const time = new Date(now + offset).toISOString();
  return {
    topic: batch % 3 === 0 ? 'ingress.webhook' : batch % 3 === 1 ? 'agent.document' : 'events.domain',
    partition: batch % 6,
    offset: String(offset),
    timestamp: new Date(now + offset),
    key: Buffer.from(`order-${offset % 5000}`),
    value: Buffer.from(
      JSON.stringify({
        source: 'github',
        deliveryId: id,
        payload: {
          action: 'opened',
          number: offset,
          title: `Invoice ${offset} from Supplier GmbH`,
          body: 'x'.repeat(200),
          labels: ['invoice', 'inbound'],
        },
      }),
    ),
    headers: {
      ce_specversion: '1.0',
      ce_id: id,
      ce_type: 'webhook.received',
      ce_source: '/webhook-gateway/github',
      ce_time: time,
      ce_correlationid: id,
      ce_schemaversion: '1',
      ce_partitionkey: `order-${offset % 5000}`,
      ce_datacontenttype: 'application/json',
      'content-type': 'application/json',
      traceparent: `00-${id.replace(/-/g, '')}-${id.replace(/-/g, '').slice(0, 16)}-01`,
    },
  };
}
