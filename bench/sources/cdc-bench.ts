/**
 * CDC: Flowline's cdc-listener against Debezium's PostgreSQL connector on Kafka Connect, on
 * one table of the local PostgreSQL, writing to the local broker, in one run.
 *
 * Every variant is a process of its own, started fresh for its turn with a slot and a
 * publication of its own (dropped when it stops, so no slot keeps WAL), and measured the same
 * way from outside:
 * - **ready**: one row at a time is inserted until its change shows up on the variant's topic
 *   (the listener's /readyz or Connect's log would each say it differently), then
 *   `--cdc-warmup-rows` rows go through it untimed (JIT, connections, metadata).
 * - **latency** at a fixed row rate: row i is due at t0 + i / rate; every 5 ms the rows due
 *   are inserted in one autocommitted INSERT (a transaction of ~5 rows at 1,000 rows/s). Each
 *   row's number (column `bench_seq`) is found in its event by an outside kafkajs consumer.
 *   commit → event is from the moment the INSERT's commit returned to the moment that
 *   consumer's fetch returned the event; a row whose event never came counts as infinitely
 *   late. Also reported: from the row's scheduled time (the generator's own lag included) and
 *   to the record's CreateTime (when the producer built the request, before the broker).
 * - **bulk**: `--bulk-rows` rows inserted as fast as PostgreSQL takes them, in transactions of
 *   `--rows-per-transaction`; rows/s = rows / (last event on Kafka − first commit), the last
 *   event seen as the topic's high watermarks reaching the count (polled every 25 ms; the
 *   observer is stopped by then so it takes no CPU).
 *
 * Rounds rotate the variants' order; ratios are per round (the variants of one round ran
 * minutes apart on the same machine), then the median.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { topicNames } from '@flowline/event-schemas';
import type { BenchKafka } from '../messaging/bench-kafka';
import { stopWithin, waitUntil } from '../messaging/deadline';
import { median, medianRatio, summarizeLatencies, type LatencySummary } from '../messaging/percentiles';
import { progress } from '../messaging/progress';
import { target, type Target } from '../messaging/target';
import { cpuSeconds, machineBusySeconds, spawnService, summarizeLog, waitUntilReady } from '../ingress/child-process';
import { debeziumTopic, ensureDebeziumJars, startDebezium } from './debezium-connect';
import { epochNow, MarkerObserver, type ObservedMarker } from './marker-observer';
import type { CdcVariant, SourcesSettings } from './sources-settings';

export const CDC_P99_CEILING_MS = 100;
export const CDC_THROUGHPUT_RATIO_TARGET = 0.8;
const TICK_MS = 5;
const SEQ_PATTERN = /"bench_seq":(\d+)/;

export interface CdcLatencyRun {
  rows: number;
  delivered: number;
  duplicates: number;
  /** Commit returned → the observer's fetch returned the event. */
  fromCommit: LatencySummary;
  /** Scheduled time → observed (includes the generator's lag). */
  fromSchedule: LatencySummary;
  /** Commit returned → the record's CreateTime (the producer built the request). */
  commitToProduce: LatencySummary;
  generatorMaxLagMs: number;
}

export interface CdcBulkRun {
  rows: number;
  rowsPerTransaction: number;
  /** First commit → last event on Kafka. */
  seconds: number;
  rowsPerSecond: number;
  /** How long the inserts alone took (the load's own pace). */
  loadSeconds: number;
  /** CPU seconds of the process under test during the bulk run, per 10,000 rows. */
  cpuSecondsPer10kRows: number;
  /** Whole-machine busy CPU seconds during the bulk run (2 cores: at most 2 per second). */
  machineBusySeconds: number;
}

export interface CdcVariantRun {
  variant: CdcVariant;
  round: number;
  /** Process start → first change seen on Kafka. */
  readySeconds: number;
  latency?: CdcLatencyRun;
  bulk?: CdcBulkRun;
  error?: string;
  logWarnings: number;
  firstWarnings: string[];
}

export interface CdcSummary {
  variant: CdcVariant;
  rowsPerSecond: number[];
  p50Ms: number[];
  p99Ms: number[];
  medianRowsPerSecond: number;
  medianP50Ms: number;
  medianP99Ms: number;
}

export interface CdcResult {
  table: string;
  runs: CdcVariantRun[];
  summaries: CdcSummary[];
  ratios: {
    throughputVsShipped: number;
    throughputVsTuned: number;
    /** Against whichever Debezium was faster in that round. */
    throughputVsBestDebezium: number;
    p99VsTuned: number;
    p99VsShipped: number;
  };
  targets: Target[];
}

interface Subject {
  topic: string;
  pid: number | undefined;
  logFile: string;
  running: () => boolean;
  stop: () => Promise<void>;
  slot: string;
  publication: string;
}

export async function measureCdc(bench: BenchKafka, settings: SourcesSettings, workDir: string): Promise<CdcResult> {
  const { cdc } = settings;
  if (cdc.variants.some((variant) => variant !== 'flowline')) await ensureDebeziumJars();
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 2 });
  const id = bench.prefix.replace(/\D/g, '');
  const table = `bench_${id}_cdc`;
  const heartbeatTable = `bench_${id}_cdc_heartbeat`;
  const positionTable = `bench_${id}_cdc_position`;
  const pad = 'x'.repeat(cdc.padBytes);
  let nextSeq = 1;
  const runs: CdcVariantRun[] = [];
  await pool.query(
    `CREATE TABLE ${table} (id bigserial PRIMARY KEY, bench_seq integer NOT NULL, pad text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  );
  try {
    for (let round = 1; round <= settings.repeat; round++) {
      const shift = (round - 1) % cdc.variants.length;
      const order = [...cdc.variants.slice(shift), ...cdc.variants.slice(0, shift)];
      for (const variant of order) {
        progress(`cdc round ${round}: ${variant}`);
        const run = await measureVariant(variant, round);
        runs.push(run);
        progress(
          `cdc round ${round}: ${variant}: ${run.error ?? `bulk ${Math.round(run.bulk?.rowsPerSecond ?? NaN)} rows/s, p50 ${run.latency?.fromCommit.p50Ms.toFixed(1)} ms, p99 ${run.latency?.fromCommit.p99Ms.toFixed(1)} ms`}`,
        );
      }
    }
  } finally {
    await stopWithin(
      async () => {
        await pool.query(`DROP TABLE IF EXISTS ${table}, ${heartbeatTable}, ${positionTable}`);
        await pool.end();
      },
      30_000,
      'drop the CDC bench tables',
    );
  }
  return summarize(table, runs, cdc.variants);

  async function measureVariant(variant: CdcVariant, round: number): Promise<CdcVariantRun> {
    const label = `${variant}-r${round}`;
    const slot = `bench_${id}_${variant.toLowerCase()}_${round}`;
    const startedAt = epochNow();
    let subject: Subject | undefined;
    const run: CdcVariantRun = { variant, round, readySeconds: Number.NaN, logWarnings: 0, firstWarnings: [] };
    try {
      subject = await startSubject(variant, label, slot);
      const seen = new Set<number>();
      let onMarker: (observed: ObservedMarker) => void = ({ marker }) => void seen.add(marker);
      const observer = new MarkerObserver(bench, subject.topic, bench.name(`cdc-${label}`), SEQ_PATTERN, (observed) =>
        onMarker(observed),
      );
      await observer.start();
      try {
        await untilStreaming(subject, seen);
        run.readySeconds = (epochNow() - startedAt) / 1_000;
        progress(`cdc ${label}: streaming after ${run.readySeconds.toFixed(1)} s; warming up`);
        await warmUp(seen);
        run.latency = await latencyRun((handler) => (onMarker = handler));
      } finally {
        await stopWithin(() => observer.stop(), 10_000, `stop the observer of ${label}`);
      }
      run.bulk = await bulkRun(subject);
    } catch (error) {
      run.error = (error as Error).message;
      progress(`cdc ${label}: FAILED ${(error as Error).stack ?? String(error)}`);
    } finally {
      if (subject !== undefined) {
        await stopWithin(() => subject!.stop(), 40_000, `stop ${label}`);
        await stopWithin(() => dropSlot(subject!.slot, subject!.publication), 40_000, `drop the slot of ${label}`);
        if (variant === 'flowline') {
          const log = await summarizeLog(subject.logFile);
          run.logWarnings = log.warnings;
          run.firstWarnings = log.firstWarnings;
        }
      }
    }
    return run;
  }

  async function startSubject(variant: CdcVariant, label: string, slot: string): Promise<Subject> {
    const publication = slot;
    if (variant === 'flowline') {
      const topicPrefix = `${bench.prefix}${label}-`;
      const service = await spawnService(
        'cdc-listener',
        {
          KAFKA_BROKERS: settings.brokers.join(','),
          FLOWLINE_TOPIC_PREFIX: topicPrefix,
          KAFKA_TOPIC_PARTITIONS: String(settings.partitions),
          DATABASE_URL: settings.databaseUrl,
          CDC_TABLES: `public.${table}`,
          CDC_SLOT: slot,
          CDC_PUBLICATION: publication,
          CDC_HEARTBEAT_TABLE: `public.${heartbeatTable}`,
          CDC_POSITION_TABLE: `public.${positionTable}`,
          ...cdc.listenerEnv,
        },
        workDir,
        `cdc-listener-${label}`,
      );
      await waitUntilReady(service, 120_000);
      return {
        topic: topicNames(topicPrefix).ingressCdc,
        pid: service.pid,
        logFile: service.logFile,
        running: () => service.running(),
        stop: () => service.stop(),
        slot,
        publication,
      };
    }
    const topicPrefix = `${bench.prefix}${label}`;
    const topic = debeziumTopic({ topicPrefix, table });
    // The local broker does not create topics on first write.
    await bench.createTopics([topic], settings.partitions);
    const connect = startDebezium({
      label,
      tuned: variant === 'debeziumTuned',
      databaseUrl: settings.databaseUrl,
      brokers: settings.brokers,
      topicPrefix,
      table,
      slot,
      publication,
      workDir,
    });
    return {
      topic,
      pid: connect.pid,
      logFile: connect.logFile,
      running: () => connect.running(),
      stop: () => connect.stop(),
      slot,
      publication,
    };
  }

  /** One row at a time until one reaches Kafka: the slot exists and streams. */
  async function untilStreaming(subject: Subject, seen: Set<number>): Promise<void> {
    const first = nextSeq;
    await waitUntil(
      async () => {
        if (!subject.running()) throw new Error(`the process exited before it streamed; see ${subject.logFile}`);
        for (let seq = first; seq < nextSeq; seq++) if (seen.has(seq)) return true;
        await insertRows([nextSeq++]);
        return false;
      },
      performance.now() + 240_000,
      500,
      'first change on Kafka',
    );
  }

  async function warmUp(seen: Set<number>): Promise<void> {
    if (cdc.warmupRows === 0) return;
    const first = nextSeq;
    nextSeq += cdc.warmupRows;
    await pool.query(`INSERT INTO ${table} (bench_seq, pad) SELECT g, $3 FROM generate_series($1::int, $2::int) g`, [
      first,
      nextSeq - 1,
      pad,
    ]);
    await waitUntil(
      () => {
        for (let seq = first; seq < nextSeq; seq++) if (!seen.has(seq)) return false;
        return true;
      },
      performance.now() + 120_000,
      50,
      'warm-up rows on Kafka',
    );
  }

  async function latencyRun(listen: (handler: (observed: ObservedMarker) => void) => void): Promise<CdcLatencyRun> {
    const total = Math.round(cdc.rate * cdc.seconds);
    const base = nextSeq;
    nextSeq += total;
    const committed = new Float64Array(total).fill(Number.NaN);
    const arrived = new Float64Array(total).fill(Number.NaN);
    const produced = new Float64Array(total).fill(Number.NaN);
    let delivered = 0;
    let duplicates = 0;
    listen(({ marker, arrivedAt, producedAt }) => {
      const index = marker - base;
      if (index < 0 || index >= total) return;
      if (!Number.isNaN(arrived[index])) {
        duplicates++;
        return;
      }
      arrived[index] = arrivedAt;
      produced[index] = producedAt;
      delivered++;
    });
    const interval = 1_000 / cdc.rate;
    const t0 = epochNow() + 20;
    const scheduledAt = (index: number): number => t0 + index * interval;
    let sent = 0;
    let maxLag = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor((epochNow() - t0) / interval) + 1);
      if (due <= sent) {
        await sleep(Math.max(1, Math.min(TICK_MS, scheduledAt(sent) - epochNow())));
        continue;
      }
      const seqs: number[] = [];
      for (let index = sent; index < due; index++) seqs.push(base + index);
      await insertRows(seqs);
      const now = epochNow();
      committed.fill(now, sent, due);
      maxLag = Math.max(maxLag, now - scheduledAt(sent));
      sent = due;
      const wait = scheduledAt(sent) + TICK_MS - interval - epochNow();
      if (wait > 0) await sleep(wait);
    }
    await waitUntil(() => delivered >= total, performance.now() + cdc.drainSeconds * 1_000, 20, 'latency rows').catch(
      () => undefined,
    );
    const since = (from: (index: number) => number, to: Float64Array): Float64Array =>
      Float64Array.from(to, (value, index) => value - from(index));
    return {
      rows: total,
      delivered,
      duplicates,
      fromCommit: summarizeLatencies(since((index) => committed[index] as number, arrived)),
      fromSchedule: summarizeLatencies(since(scheduledAt, arrived)),
      commitToProduce: summarizeLatencies(since((index) => committed[index] as number, produced)),
      generatorMaxLagMs: maxLag,
    };
  }

  async function bulkRun(subject: Subject): Promise<CdcBulkRun> {
    const rows = cdc.bulkRows;
    const before = await bench.highWatermarkTotal(subject.topic);
    const base = nextSeq;
    nextSeq += rows;
    const cpuBefore = cpuSeconds(subject.pid);
    const busyBefore = machineBusySeconds();
    let firstCommitAt = Number.NaN;
    let lastEventAt = Number.NaN;
    const loadStarted = epochNow();
    const watch = waitUntil(
      async () => {
        if (!subject.running()) throw new Error(`the process exited during the bulk load; see ${subject.logFile}`);
        if ((await bench.highWatermarkTotal(subject.topic)) < before + rows) return false;
        lastEventAt = epochNow();
        return true;
      },
      performance.now() + 300_000,
      25,
      'bulk rows on Kafka',
    );
    watch.catch(() => undefined);
    for (let from = 0; from < rows; from += cdc.rowsPerTransaction) {
      const last = Math.min(rows, from + cdc.rowsPerTransaction) - 1;
      await pool.query(`INSERT INTO ${table} (bench_seq, pad) SELECT g, $3 FROM generate_series($1::int, $2::int) g`, [
        base + from,
        base + last,
        pad,
      ]);
      if (Number.isNaN(firstCommitAt)) firstCommitAt = epochNow();
    }
    const loadSeconds = (epochNow() - loadStarted) / 1_000;
    await watch;
    const seconds = (lastEventAt - firstCommitAt) / 1_000;
    return {
      rows,
      rowsPerTransaction: cdc.rowsPerTransaction,
      seconds,
      rowsPerSecond: rows / seconds,
      loadSeconds,
      cpuSecondsPer10kRows: ((cpuSeconds(subject.pid) - cpuBefore) * 10_000) / rows,
      machineBusySeconds: machineBusySeconds() - busyBefore,
    };
  }

  async function insertRows(seqs: readonly number[]): Promise<void> {
    await pool.query(`INSERT INTO ${table} (bench_seq, pad) SELECT s, $2 FROM unnest($1::int[]) s`, [seqs, pad]);
  }

  /** Drops the slot once its process let go of it, and the publication: a forgotten slot keeps WAL forever. */
  async function dropSlot(slot: string, publication: string): Promise<void> {
    await waitUntil(
      async () => {
        const { rows } = await pool.query<{ active: boolean }>(
          'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        );
        if (rows.length === 0) return true;
        if (rows[0]?.active === true) return false;
        await pool.query('SELECT pg_drop_replication_slot($1)', [slot]);
        return true;
      },
      performance.now() + 30_000,
      200,
      `slot ${slot} released`,
    );
    await pool.query(`DROP PUBLICATION IF EXISTS ${publication}`);
  }
}

function summarize(table: string, runs: CdcVariantRun[], variants: readonly CdcVariant[]): CdcResult {
  const of = (variant: CdcVariant): CdcVariantRun[] => runs.filter((run) => run.variant === variant);
  const summaries = variants.map((variant): CdcSummary => {
    const mine = of(variant);
    const rowsPerSecond = mine.map((run) => run.bulk?.rowsPerSecond ?? Number.NaN);
    const p50Ms = mine.map((run) => run.latency?.fromCommit.p50Ms ?? Number.NaN);
    const p99Ms = mine.map((run) => run.latency?.fromCommit.p99Ms ?? Number.NaN);
    return {
      variant,
      rowsPerSecond,
      p50Ms,
      p99Ms,
      medianRowsPerSecond: median(rowsPerSecond),
      medianP50Ms: median(p50Ms),
      medianP99Ms: median(p99Ms),
    };
  });
  const column = (variant: CdcVariant, pick: (summary: CdcSummary) => number[]): number[] => {
    const summary = summaries.find((candidate) => candidate.variant === variant);
    return summary === undefined ? [] : pick(summary);
  };
  const flowlineRate = column('flowline', (s) => s.rowsPerSecond);
  const shippedRate = column('debeziumShipped', (s) => s.rowsPerSecond);
  const tunedRate = column('debeziumTuned', (s) => s.rowsPerSecond);
  const bestRate = flowlineRate.map((_, index) =>
    Math.max(shippedRate[index] ?? Number.NaN, tunedRate[index] ?? Number.NaN),
  );
  const flowlineP99 = column('flowline', (s) => s.p99Ms);
  const ratios = {
    throughputVsShipped: medianRatio(flowlineRate, shippedRate),
    throughputVsTuned: medianRatio(flowlineRate, tunedRate),
    throughputVsBestDebezium: medianRatio(flowlineRate, bestRate),
    p99VsTuned: medianRatio(
      flowlineP99,
      column('debeziumTuned', (s) => s.p99Ms),
    ),
    p99VsShipped: medianRatio(
      flowlineP99,
      column('debeziumShipped', (s) => s.p99Ms),
    ),
  };
  const flowline = summaries.find((summary) => summary.variant === 'flowline');
  return {
    table,
    runs,
    summaries,
    ratios,
    targets: [
      target(
        'CDC bulk rows/s: flowline / the faster Debezium (median of per-round ratios)',
        ratios.throughputVsBestDebezium,
        '>=',
        CDC_THROUGHPUT_RATIO_TARGET,
      ),
      target('CDC p99 at the fixed rate: flowline / tuned Debezium', ratios.p99VsTuned, '<=', 1),
      target(
        `CDC p99 at the fixed rate, flowline (median over rounds, ms)`,
        flowline?.medianP99Ms ?? Number.NaN,
        '<=',
        CDC_P99_CEILING_MS,
      ),
    ],
  };
}
