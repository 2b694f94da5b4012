/**
 * Archiver ingest rate against a bare kafkajs consumer that does nothing, on the same
 * preloaded topic, in one run. Both read the whole topic with a fresh consumer group; the
 * archiver's pipeline is the service's own (RecordBatchConsumer → EventStore.append into a
 * fresh database, offsets committed after the insert committed). Repetitions alternate the
 * two, and the ratio is the median of the paired per-repetition ratios, so drift of a
 * noisy machine cancels out. Each run also reports this process's CPU time per event (user +
 * system, from the first batch to the end): both sides are bound by Node's one thread on a
 * small machine, so that figure says where the archiver's extra time goes.
 */
import pg from 'pg';
import { EventStore, migrateEventStore } from '@flowline/event-store';
import { encodeEvent } from '@flowline/event-schemas';
import { createScratchDatabase } from '@flowline/testing';
import { backendCpuMicros, backendCpuSpent } from './backend-cpu';
import { benchEvent, fillerOf } from '../messaging/bench-events';
import { BenchKafka } from '../messaging/bench-kafka';
import { median, medianRatio } from '../messaging/percentiles';
import { progress } from '../messaging/progress';

export interface IngestRateOptions {
  bench: BenchKafka;
  databaseUrl: string;
  events: number;
  partitions: number;
  payloadBytes: number;
  repeat: number;
  maxBatchRecords: number;
  partitionsConcurrently: number;
}

export interface IngestRateResult {
  events: number;
  bareConsumerEventsPerSecond: number[];
  archiverEventsPerSecond: number[];
  /** This process's CPU µs per event, per run. */
  bareConsumerCpuMicrosPerEvent: number[];
  archiverCpuMicrosPerEvent: number[];
  /** PostgreSQL's CPU µs per event (the run's own backends), per archiver run; undefined when the server is not local. */
  postgresCpuMicrosPerEvent: (number | undefined)[];
  medianBare: number;
  medianArchiver: number;
  /** Median of per-repetition archiver/bare ratios; target ≥ 0.5. */
  ratio: number;
}

export async function measureIngestRate(options: IngestRateOptions): Promise<IngestRateResult> {
  const { bench, events } = options;
  const topic = bench.name('archive-source');
  await bench.createTopics([topic], options.partitions);
  await preload(bench, topic, events, options.payloadBytes);

  const bare: RunFigures[] = [];
  const archiver: RunFigures[] = [];
  for (let run = 1; run <= options.repeat; run++) {
    bare.push(await bareConsumer(bench, topic, events, run));
    progress(`ingest: bare consumer run ${run}: ${Math.round(bare[run - 1]?.eventsPerSecond ?? 0)} ev/s`);
    archiver.push(await archiverPipeline(options, topic, run));
    progress(`ingest: archiver run ${run}: ${Math.round(archiver[run - 1]?.eventsPerSecond ?? 0)} ev/s`);
  }
  return {
    events,
    bareConsumerEventsPerSecond: bare.map((r) => r.eventsPerSecond),
    archiverEventsPerSecond: archiver.map((r) => r.eventsPerSecond),
    bareConsumerCpuMicrosPerEvent: bare.map((r) => r.cpuMicrosPerEvent),
    archiverCpuMicrosPerEvent: archiver.map((r) => r.cpuMicrosPerEvent),
    postgresCpuMicrosPerEvent: archiver.map((r) => r.postgresCpuMicrosPerEvent),
    medianBare: median(bare.map((r) => r.eventsPerSecond)),
    medianArchiver: median(archiver.map((r) => r.eventsPerSecond)),
    ratio: medianRatio(
      archiver.map((r) => r.eventsPerSecond),
      bare.map((r) => r.eventsPerSecond),
    ),
  };
}

interface RunFigures {
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
  postgresCpuMicrosPerEvent?: number;
}

/** Timed from the first batch: joining a group costs the same for both and is not ingest. */
function runFigures(events: number, startedAt: number, finishedAt: number, cpuAtStart: NodeJS.CpuUsage): RunFigures {
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    eventsPerSecond: (events / (finishedAt - startedAt)) * 1_000,
    cpuMicrosPerEvent: (cpu.user + cpu.system) / events,
  };
}

async function preload(bench: BenchKafka, topic: string, events: number, payloadBytes: number): Promise<void> {
  const producer = bench.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const filler = fillerOf(payloadBytes);
  for (let start = 0; start < events; start += 1_000) {
    const messages = Array.from({ length: Math.min(1_000, events - start) }, (_, offset) =>
      encodeEvent(benchEvent(start + offset, filler)),
    );
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  progress(`ingest: preloaded ${events} events on ${topic}`);
}

/** Events/s of a kafkajs consumer that only counts what it is given. */
async function bareConsumer(bench: BenchKafka, topic: string, events: number, run: number): Promise<RunFigures> {
  const consumer = bench.kafka.consumer({ groupId: bench.name(`bare-${run}`), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let startedAt = 0;
  let cpuAtStart = process.cpuUsage();
  const done = new Promise<RunFigures>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: ({ batch }) => {
        if (startedAt === 0) {
          startedAt = performance.now();
          cpuAtStart = process.cpuUsage();
        }
        seen += batch.messages.length;
        if (seen >= events) resolve(runFigures(events, startedAt, performance.now(), cpuAtStart));
        return Promise.resolve();
      },
    });
  });
  const figures = await done;
  await consumer.disconnect();
  return figures;
}

/** Events/s of the archiver's pipeline into a fresh event store, until every offset is committed. */
async function archiverPipeline(options: IngestRateOptions, topic: string, run: number): Promise<RunFigures> {
  const database = await createScratchDatabase(options.databaseUrl, 'bench_ingest');
  const pool = new pg.Pool({ connectionString: database.url, max: options.partitionsConcurrently + 2 });
  try {
    await migrateEventStore(pool);
    const store = new EventStore(pool);
    let stored = 0;
    let startedAt = 0;
    let cpuAtStart = process.cpuUsage();
    let finish!: (figures: RunFigures) => void;
    const done = new Promise<RunFigures>((resolve) => (finish = resolve));
    const consumer = options.bench.messaging.createRecordConsumer({
      groupId: options.bench.name(`archiver-${run}`),
      topics: [topic],
      maxBatchRecords: options.maxBatchRecords,
      partitionsConcurrently: options.partitionsConcurrently,
      handleBatch: async (records) => {
        if (startedAt === 0) {
          startedAt = performance.now();
          cpuAtStart = process.cpuUsage();
        }
        await store.append(records);
        stored += records.length;
      },
    });
    const backendsBefore = await backendCpuMicros(pool);
    await consumer.start();
    const poll = setInterval(() => {
      void options.bench.committedTotal(options.bench.name(`archiver-${run}`), topic).then((committed) => {
        if (committed >= options.events) finish(runFigures(options.events, startedAt, performance.now(), cpuAtStart));
      });
    }, 50);
    const figures = await done;
    const postgresCpu = backendCpuSpent(backendsBefore, await backendCpuMicros(pool));
    clearInterval(poll);
    await consumer.stop();
    const { rows } = await pool.query<{ count: string }>('SELECT count(*) FROM event_store.events');
    if (Number(rows[0]?.count) !== options.events || stored < options.events) {
      throw new Error(`archiver stored ${rows[0]?.count} rows of ${options.events}`);
    }
    return postgresCpu === undefined
      ? figures
      : { ...figures, postgresCpuMicrosPerEvent: postgresCpu / options.events };
  } finally {
    await pool.end();
    await database.drop();
  }
}
