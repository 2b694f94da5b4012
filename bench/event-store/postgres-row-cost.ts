/**
 * PostgreSQL's own CPU per stored event, for the event store's schema and two cut-down
 * copies of it: what the archiver's appends cost the database, whatever the archiver's own
 * process costs. The same realistic records as append-throughput.ts go through
 * `EventStore.append` in batches of one Kafka partition (as the archiver's), one at a time,
 * each variant in a scratch database of its own; the figure is the CPU time of that
 * database's backends (backend-cpu.ts, from /proc) per row. Variants:
 * - `schema`: `event_store.events` as migrated (day partitions; the id, correlationid and
 *   type+time btrees issue 5 asks for; two small partial indexes);
 * - `no indexes`: the same table without any index;
 * - `no indexes, text`: also headers and data as text instead of jsonb.
 * The differences are what the indexes and the jsonb parsing cost per row.
 */
import { EventStore, migrateEventStore } from '@flowline/event-store';
import { realisticBatches, realisticRecord } from './append-throughput';
import { backendCpuMicros, backendCpuSpent } from './backend-cpu';
import { createBenchDatabase, DEFAULT_DATABASE_URL } from './bench-database';

export const ROW_COST_VARIANTS = ['schema', 'no indexes', 'no indexes, text'] as const;
export type RowCostVariant = (typeof ROW_COST_VARIANTS)[number];

const DROP_INDEXES = `DO $$
DECLARE index_name text;
BEGIN
  FOR index_name IN SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'event_store.events'::regclass LOOP
    EXECUTE 'DROP INDEX ' || index_name;
  END LOOP;
END $$`;

export interface RowCostOptions {
  databaseUrl?: string;
  records?: number;
  batchSize?: number;
}

/** PostgreSQL's CPU µs per row for each variant; undefined when its backends' CPU cannot be read (server not on this machine). */
export async function postgresRowCost(
  options: RowCostOptions = {},
): Promise<Record<RowCostVariant, number | undefined>> {
  const total = options.records ?? 100_000;
  const batchSize = options.batchSize ?? 1_000;
  const start = Date.now();
  const batches = realisticBatches(total, batchSize, start);
  const result = {} as Record<RowCostVariant, number | undefined>;
  for (const variant of ROW_COST_VARIANTS) {
    const db = await createBenchDatabase(options.databaseUrl ?? DEFAULT_DATABASE_URL, 'rowcost', 1);
    try {
      await migrateEventStore(db.pool);
      if (variant !== 'schema') await db.pool.query(DROP_INDEXES);
      if (variant === 'no indexes, text')
        await db.pool.query(
          'ALTER TABLE event_store.events ALTER COLUMN headers TYPE text, ALTER COLUMN data TYPE text',
        );
      const store = new EventStore(db.pool);
      // The day partitions and prepared statements, off the count (on a topic of its own, so no measured row is looked up as a redelivery).
      await store.append([{ ...realisticRecord(0, 0, start), topic: 'bench.warm-up' }]);
      const before = await backendCpuMicros(db.pool);
      for (const batch of batches) await store.append(batch);
      const spent = backendCpuSpent(before, await backendCpuMicros(db.pool));
      result[variant] = spent === undefined ? undefined : spent / total;
    } finally {
      await db.drop();
    }
  }
  return result;
}
