/**
 * Files: the file-watcher (as built, `node apps/file-watcher/dist/main.js`) and a bare
 * chokidar + sha256 + kafkajs script (bare-file-publisher.ts) each watch a fresh folder of
 * their own, with the same stability window, and publish to a topic of their own. Per round,
 * both in turn (the order rotates):
 * - **latency**: `--file-rate` files a second for `--file-seconds`; each file is written and
 *   closed by writeFile, and its number (`bench-file-<n>.txt`) is found in its event by an
 *   outside kafkajs consumer. closed → event is from writeFile's return to that consumer's
 *   fetch; a file whose event never came counts as infinitely late. The stability window is
 *   in it by design: a file is published only after it stopped changing for that long.
 * - **burst**: `--burst-files` files written at once (64 writes at a time); files/s = files /
 *   (first write started → the topic's high watermarks reach the count, polled every 25 ms).
 *   The window is in both sides' time, once.
 * Every file's content is unique to the run (the watcher's dedupe table is shared and
 * lasting); the watcher's records of the bench's folders are deleted at the end.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { topicNames } from '@flowline/event-schemas';
import type { BenchKafka } from '../messaging/bench-kafka';
import { stopWithin, waitUntil } from '../messaging/deadline';
import { median, medianRatio, summarizeLatencies, type LatencySummary } from '../messaging/percentiles';
import { progress } from '../messaging/progress';
import { target, type Target } from '../messaging/target';
import {
  cpuSeconds,
  spawnBenchScript,
  spawnService,
  summarizeLog,
  waitUntilReady,
  type BenchProcess,
} from '../ingress/child-process';
import { epochNow, MarkerObserver } from './marker-observer';
import { FILE_SUBJECTS, type FileSubject, type SourcesSettings } from './sources-settings';

export const FILE_LATENCY_MARGIN_MS = 250;
export const FILE_BURST_RATIO_TARGET = 0.8;
const FILE_PATTERN = /bench-file-(\d+)\.txt/;
const WRITE_CONCURRENCY = 64;
const WARMUP_FILES = 20;

export interface FileRun {
  subject: FileSubject;
  round: number;
  latency?: LatencySummary & { delivered: number; duplicates: number; writerMaxLagMs: number };
  burst?: {
    files: number;
    seconds: number;
    filesPerSecond: number;
    writeSeconds: number;
    cpuSeconds: number;
    /** Peak resident memory of the process (VmHWM), MiB. */
    peakRssMiB: number;
  };
  error?: string;
  logWarnings: number;
}

export interface FilesResult {
  stabilityMs: number;
  runs: FileRun[];
  medians: Record<FileSubject, { p50Ms: number; p99Ms: number; filesPerSecond: number }>;
  burstRatio: number;
  /** Diagnostic: file-watcher / the bare script with the durable copy. */
  burstRatioVsBareWithCopy: number;
  targets: Target[];
}

export async function measureFiles(
  bench: BenchKafka,
  settings: SourcesSettings,
  workDir: string,
): Promise<FilesResult> {
  const { files } = settings;
  const runs: FileRun[] = [];
  const filler = 'f'.repeat(files.fileBytes);
  let nextFile = 0;
  try {
    for (let round = 1; round <= settings.repeat; round++) {
      const shift = (round - 1) % files.subjects.length;
      const order = [...files.subjects.slice(shift), ...files.subjects.slice(0, shift)];
      for (const subject of order) {
        progress(`files round ${round}: ${subject}`);
        const run = await measureSubject(subject, round);
        runs.push(run);
        progress(
          `files round ${round}: ${subject}: ${run.error ?? `p50 ${run.latency?.p50Ms.toFixed(0)} ms, p99 ${run.latency?.p99Ms.toFixed(0)} ms, burst ${Math.round(run.burst?.filesPerSecond ?? NaN)} files/s`}`,
        );
      }
    }
  } finally {
    await stopWithin(
      async () => {
        const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 1 });
        try {
          await pool.query('DELETE FROM file_watcher_published WHERE folder LIKE $1', [`${bench.prefix}%`]);
        } finally {
          await pool.end();
        }
      },
      30_000,
      'delete the bench’s dedupe records',
    );
  }
  const of = (subject: FileSubject): FileRun[] => runs.filter((run) => run.subject === subject);
  const column = (subject: FileSubject, pick: (run: FileRun) => number | undefined): number[] =>
    of(subject).map((run) => pick(run) ?? Number.NaN);
  const medians = Object.fromEntries(
    FILE_SUBJECTS.map((subject) => [
      subject,
      {
        p50Ms: median(column(subject, (run) => run.latency?.p50Ms)),
        p99Ms: median(column(subject, (run) => run.latency?.p99Ms)),
        filesPerSecond: median(column(subject, (run) => run.burst?.filesPerSecond)),
      },
    ]),
  ) as FilesResult['medians'];
  const burstRatio = medianRatio(
    column('fileWatcher', (run) => run.burst?.filesPerSecond),
    column('bare', (run) => run.burst?.filesPerSecond),
  );
  const burstRatioVsBareWithCopy = medianRatio(
    column('fileWatcher', (run) => run.burst?.filesPerSecond),
    column('bareWithCopy', (run) => run.burst?.filesPerSecond),
  );
  return {
    stabilityMs: files.stabilityMs,
    runs,
    medians,
    burstRatio,
    burstRatioVsBareWithCopy,
    targets: [
      target(
        `file closed → event p99, file-watcher (median over rounds, ms; window ${files.stabilityMs} + ${FILE_LATENCY_MARGIN_MS})`,
        medians.fileWatcher.p99Ms,
        '<=',
        files.stabilityMs + FILE_LATENCY_MARGIN_MS,
      ),
      target('10,000-file burst files/s: file-watcher / bare script', burstRatio, '>=', FILE_BURST_RATIO_TARGET),
    ],
  };

  async function measureSubject(subject: FileSubject, round: number): Promise<FileRun> {
    const label = `${subject}-r${round}`;
    const folder = join(workDir, `folder-${label}`);
    await mkdir(folder, { recursive: true });
    const run: FileRun = { subject, round, logWarnings: 0 };
    let process: BenchProcess | undefined;
    try {
      const started = await startSubject(subject, label, folder);
      process = started.process;
      await waitUntilReady(process, 120_000);
      const arrivals = new Map<number, number[]>();
      const observer = new MarkerObserver(
        bench,
        started.topic,
        bench.name(`files-${label}`),
        FILE_PATTERN,
        ({ marker, arrivedAt }) => {
          const seen = arrivals.get(marker);
          if (seen === undefined) arrivals.set(marker, [arrivedAt]);
          else seen.push(arrivedAt);
        },
      );
      await observer.start();
      try {
        const warm = await writeAtRate(folder, WARMUP_FILES, 50);
        await waitUntil(
          () => warm.numbers.every((n) => arrivals.has(n)),
          performance.now() + 60_000 + files.stabilityMs,
          20,
          'warm-up files on Kafka',
        );
        run.latency = await latencyRun(folder, arrivals);
      } finally {
        await stopWithin(() => observer.stop(), 10_000, `stop the observer of ${label}`);
      }
      run.burst = await burstRun(folder, started.topic, process);
    } catch (error) {
      run.error = (error as Error).message;
      progress(`files ${label}: FAILED ${(error as Error).stack ?? String(error)}`);
    } finally {
      if (process !== undefined) {
        await stopWithin(() => process!.stop(), 30_000, `stop ${label}`);
        run.logWarnings = (await summarizeLog(process.logFile)).warnings;
      }
    }
    return run;
  }

  async function startSubject(
    subject: FileSubject,
    label: string,
    folder: string,
  ): Promise<{ process: BenchProcess; topic: string }> {
    if (subject === 'fileWatcher') {
      const topicPrefix = `${bench.prefix}${label}-`;
      const process = await spawnService(
        'file-watcher',
        {
          KAFKA_BROKERS: settings.brokers.join(','),
          FLOWLINE_TOPIC_PREFIX: topicPrefix,
          KAFKA_TOPIC_PARTITIONS: String(settings.partitions),
          DATABASE_URL: settings.databaseUrl,
          FILE_WATCH_DIR: folder,
          FILE_WATCH_NAME: `${bench.prefix}${label.toLowerCase()}`,
          FILE_WATCH_EXTENSIONS: '.txt',
          FILE_WATCH_STABILITY_MS: String(files.stabilityMs),
          CLAIM_CHECK_DIR: join(workDir, `claims-${label}`),
          ...files.watcherEnv,
        },
        workDir,
        `file-watcher-${label}`,
      );
      return { process, topic: topicNames(topicPrefix).ingressFile };
    }
    const topic = bench.name(`${label}-files`);
    await bench.createTopics([topic], settings.partitions);
    const process = await spawnBenchScript(
      '../sources/bare-file-publisher.ts',
      {
        ...(subject === 'bareWithCopy' ? { COPY_DIR: join(workDir, `copies-${label}`) } : {}),
        WATCH_DIR: folder,
        STABILITY_MS: String(files.stabilityMs),
        TOPIC: topic,
        KAFKA_BROKERS: settings.brokers.join(','),
      },
      workDir,
      `bare-file-publisher-${label}`,
    );
    return { process, topic };
  }

  /** Writes `count` files at `rate` per second; answers each file's number and when writeFile returned (closed). */
  async function writeAtRate(
    folder: string,
    count: number,
    rate: number,
  ): Promise<{ numbers: number[]; closedAt: Float64Array; maxLagMs: number }> {
    const numbers: number[] = [];
    const closedAt = new Float64Array(count);
    const t0 = epochNow() + 20;
    let maxLagMs = 0;
    for (let index = 0; index < count; index++) {
      const due = t0 + (index * 1_000) / rate;
      const wait = due - epochNow();
      if (wait > 0) await sleep(wait);
      const n = nextFile++;
      numbers.push(n);
      await writeFile(join(folder, `bench-file-${n}.txt`), `${bench.prefix} file ${n}\n${filler}`);
      const closed = epochNow();
      closedAt[index] = closed;
      maxLagMs = Math.max(maxLagMs, closed - due);
    }
    return { numbers, closedAt, maxLagMs };
  }

  async function latencyRun(folder: string, arrivals: Map<number, number[]>): Promise<NonNullable<FileRun['latency']>> {
    const count = Math.round(files.rate * files.seconds);
    const written = await writeAtRate(folder, count, files.rate);
    await waitUntil(
      () => written.numbers.every((n) => arrivals.has(n)),
      performance.now() + files.stabilityMs + files.drainSeconds * 1_000,
      20,
      'latency files on Kafka',
    ).catch(() => undefined);
    const latencies = Float64Array.from(written.numbers, (n, index) => {
      const first = arrivals.get(n)?.[0];
      return first === undefined ? Number.NaN : first - (written.closedAt[index] as number);
    });
    let duplicates = 0;
    let delivered = 0;
    for (const n of written.numbers) {
      const seen = arrivals.get(n)?.length ?? 0;
      if (seen > 0) delivered++;
      if (seen > 1) duplicates += seen - 1;
    }
    return { ...summarizeLatencies(latencies), delivered, duplicates, writerMaxLagMs: written.maxLagMs };
  }

  async function burstRun(
    folder: string,
    topic: string,
    process: BenchProcess,
  ): Promise<NonNullable<FileRun['burst']>> {
    const count = files.burstFiles;
    const before = await bench.highWatermarkTotal(topic);
    const first = nextFile;
    nextFile += count;
    const cpuBefore = cpuSeconds(process.pid);
    const startedAt = epochNow();
    let lastEventAt = Number.NaN;
    const watch = waitUntil(
      async () => {
        if (!process.running()) throw new Error(`the process exited during the burst; see ${process.logFile}`);
        if ((await bench.highWatermarkTotal(topic)) < before + count) return false;
        lastEventAt = epochNow();
        return true;
      },
      performance.now() + 300_000,
      25,
      'burst files on Kafka',
    );
    watch.catch(() => undefined);
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < count) {
        const n = first + next++;
        await writeFile(join(folder, `burst-${n}.txt`), `${bench.prefix} burst ${n}\n${filler}`);
      }
    };
    await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, writer));
    const writeSeconds = (epochNow() - startedAt) / 1_000;
    await watch;
    const seconds = (lastEventAt - startedAt) / 1_000;
    return {
      files: count,
      seconds,
      filesPerSecond: count / seconds,
      writeSeconds,
      cpuSeconds: cpuSeconds(process.pid) - cpuBefore,
      peakRssMiB: peakRssMiB(process.pid),
    };
  }
}

function peakRssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('VmHWM:'));
    return line === undefined ? Number.NaN : Number(line.replace(/\D+/g, '')) / 1024;
  } catch {
    return Number.NaN;
  }
}
