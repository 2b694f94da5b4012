/**
 * `npm run bench:event-store`: the event store's figures on the local PostgreSQL (or
 * DATABASE_URL), each on its own throwaway database. Progress on stderr, figures on stdout.
 * `-- --only=ingest` (or append, postgres, trace; comma-separated) runs only those measurements.
 */
import { BenchKafka, quietKafkajsNoise } from '../messaging/bench-kafka';
import { appendThroughput } from './append-throughput';
import { median } from '../messaging/percentiles';
import { measureIngestRate } from './ingest-rate';
import { postgresRowCost, ROW_COST_VARIANTS, RowCostVariant } from './postgres-row-cost';
import { traceLatency } from './trace-latency';

const progress = (line: string): void => {
  process.stderr.write(`[bench:event-store] ${line}\n`);
};
const ms = (value: number): string => `${value.toFixed(1)} ms`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

const MEASUREMENTS = ['ingest', 'append', 'postgres', 'trace'] as const;
type Measurement = (typeof MEASUREMENTS)[number];

function selectedMeasurements(args: readonly string[]): Set<Measurement> {
  const only = args.find((arg) => arg.startsWith('--only='));
  if (only === undefined) return new Set(MEASUREMENTS);
  const names = only.slice('--only='.length).split(',');
  const unknown = names.filter((name) => !(MEASUREMENTS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(
      `--only: unknown measurement ${unknown.join(', ')} (choose from ${MEASUREMENTS.join(', ')}, e.g. --only=ingest)`,
    );
  return new Set(names as Measurement[]);
}

async function main(): Promise<void> {
  const databaseUrl = process.env['DATABASE_URL'];
  const selected = selectedMeasurements(process.argv.slice(2));
  quietKafkajsNoise();
  if (selected.has('ingest')) await ingest(databaseUrl);
  if (selected.has('append')) await append(databaseUrl);
  if (selected.has('postgres')) await postgres(databaseUrl);
  if (selected.has('trace')) await trace(databaseUrl);
}

async function ingest(databaseUrl: string | undefined): Promise<void> {
  const bench = new BenchKafka((process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), new Date());
  try {
    progress('ingest: start');
    const ingest = await measureIngestRate({
      bench,
      databaseUrl: databaseUrl ?? 'postgres://postgres@127.0.0.1:55432/flowline',
      events: 100_000,
      partitions: 3,
      payloadBytes: 256,
      repeat: 3,
      maxBatchRecords: 1_000,
      partitionsConcurrently: 3,
    });
    const runs = (values: number[]): string =>
      values.map((value) => Math.round(value).toLocaleString('en')).join(' | ');
    console.log(
      `ingest: ${ingest.events.toLocaleString('en')} events from Kafka, 3 partitions, medians of 3 alternating runs`,
    );
    console.log(
      `ingest: bare kafkajs consumer (does nothing): ${runs(ingest.bareConsumerEventsPerSecond)} → ${Math.round(ingest.medianBare).toLocaleString('en')} ev/s`,
    );
    console.log(
      `ingest: archiver (consume → insert → commit):  ${runs(ingest.archiverEventsPerSecond)} → ${Math.round(ingest.medianArchiver).toLocaleString('en')} ev/s`,
    );
    console.log(
      `ingest: archiver / bare = ${ingest.ratio.toFixed(2)}x (median of paired runs); target >= 0.5: ${ingest.ratio >= 0.5 ? 'met' : 'NOT met'}`,
    );
    const cpu = (values: number[]): string => `${Math.round(median(values))} µs`;
    console.log(
      `ingest: this process's CPU per event (median): bare consumer ${cpu(ingest.bareConsumerCpuMicrosPerEvent)}, archiver ${cpu(ingest.archiverCpuMicrosPerEvent)}`,
    );
    const postgres = ingest.postgresCpuMicrosPerEvent.filter((value): value is number => value !== undefined);
    console.log(
      postgres.length === 0
        ? `ingest: PostgreSQL's CPU per event: not measured (the server's processes are not on this machine)`
        : `ingest: PostgreSQL's CPU per event (the run's own backends, median): ${cpu(postgres)}`,
    );
  } finally {
    await bench.cleanUp();
    await bench.stop();
  }
}

async function append(databaseUrl: string | undefined): Promise<void> {
  for (const concurrency of [1, 2]) {
    progress(`append x${concurrency}: start`);
    const append = await appendThroughput({ databaseUrl, records: 100_000, batchSize: 1_000, concurrency });
    console.log(
      `append: ${append.records.toLocaleString('en')} records in batches of ${append.batchSize}, ${concurrency} at a time: ` +
        `${Math.round(append.rowsPerSecond).toLocaleString('en')} rows/s (slowest batch ${ms(append.maxBatchMs)})`,
    );
  }
}

async function postgres(databaseUrl: string | undefined): Promise<void> {
  progress('postgres row cost: start');
  const records = 100_000;
  const cost = await postgresRowCost({ databaseUrl, records, batchSize: 1_000 });
  const figure = (variant: RowCostVariant): string => {
    const micros = cost[variant];
    return micros === undefined ? 'not measured (the server is not on this machine)' : `${micros.toFixed(1)} µs/row`;
  };
  console.log(
    `postgres: CPU of the database's backends per row, ${records.toLocaleString('en')} records appended in batches of 1,000, one at a time:`,
  );
  for (const variant of ROW_COST_VARIANTS) console.log(`postgres:   ${variant.padEnd(17)} ${figure(variant)}`);
}

async function trace(databaseUrl: string | undefined): Promise<void> {
  progress('trace latency: start');
  const trace = await traceLatency({ databaseUrl, log: progress });
  console.log(
    `trace: store of ${trace.events.toLocaleString('en')} events (${trace.rows.toLocaleString('en')} rows, ${trace.chains.toLocaleString('en')} chains, ${trace.partitions} day partitions)`,
  );
  console.log(
    `trace: loaded in ${trace.loadSeconds.toFixed(1)} s, ANALYZE ${trace.analyzeSeconds.toFixed(1)} s; size ${mib(trace.tableBytes)} (indexes ${mib(trace.indexBytes)})`,
  );
  console.log(
    `trace: ${trace.samples} traces of random chains (${trace.meanEventsPerTrace.toFixed(1)} events each): p50 ${ms(trace.p50Ms)}, p99 ${ms(trace.p99Ms)}, max ${ms(trace.maxMs)}`,
  );
  console.log(`trace: target p99 <= ${trace.targetP99Ms} ms: ${trace.targetMet ? 'met' : 'NOT met'}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
