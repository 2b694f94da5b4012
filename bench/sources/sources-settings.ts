/**
 * The sources bench's sizes and durations: CLI flags first, then BENCH_* environment
 * variables, then defaults sized for a 2-core machine (about 10 minutes in all).
 */
import { readFlags } from '../shared/bench-flags';

export const PHASES = ['cdc', 'files'] as const;
export type Phase = (typeof PHASES)[number];

export const CDC_VARIANTS = ['flowline', 'debeziumShipped', 'debeziumTuned'] as const;
export type CdcVariant = (typeof CDC_VARIANTS)[number];

export const FILE_SUBJECTS = ['fileWatcher', 'bare', 'bareWithCopy'] as const;
export type FileSubject = (typeof FILE_SUBJECTS)[number];

export interface SourcesSettings {
  brokers: string[];
  databaseUrl: string;
  phases: Phase[];
  repeat: number;
  partitions: number;
  cdc: {
    variants: CdcVariant[];
    bulkRows: number;
    rowsPerTransaction: number;
    rate: number;
    seconds: number;
    drainSeconds: number;
    warmupRows: number;
    padBytes: number;
    /** Extra environment for the cdc-listener (config experiments); empty as shipped. */
    listenerEnv: Record<string, string>;
  };
  files: {
    subjects: FileSubject[];
    stabilityMs: number;
    rate: number;
    seconds: number;
    burstFiles: number;
    fileBytes: number;
    drainSeconds: number;
    /** Extra environment for the file-watcher (config experiments); empty as shipped. */
    watcherEnv: Record<string, string>;
  };
  maxMinutes: number;
  outFile: string;
}

const FLAGS = {
  phases: { default: PHASES.join(','), help: 'phases to run, e.g. cdc' },
  repeat: { default: '2', help: 'repetitions (rounds of every variant; medians and per-round ratios reported)' },
  partitions: { default: '3', help: 'partitions of every output topic (the services’ default)' },
  'cdc-variants': { default: CDC_VARIANTS.join(','), help: `CDC variants among ${CDC_VARIANTS.join(',')}` },
  'bulk-rows': { default: '100000', help: 'rows of the bulk load' },
  'rows-per-transaction': { default: '10000', help: 'rows per transaction of the bulk load' },
  'cdc-rate': { default: '1000', help: 'fixed row rate of the CDC latency run (rows/s)' },
  'cdc-seconds': { default: '15', help: 'seconds per CDC latency run' },
  'cdc-warmup-rows': { default: '3000', help: 'rows streamed through each fresh process before it is measured' },
  'pad-bytes': { default: '100', help: 'bytes of the text column of each row' },
  'listener-env': { default: '', help: 'extra cdc-listener environment, KEY=VALUE;KEY=VALUE (experiments)' },
  'file-subjects': {
    default: FILE_SUBJECTS.join(','),
    help: `file subjects among ${FILE_SUBJECTS.join(',')} (the last: a diagnostic, the bare script plus a durable copy)`,
  },
  'stability-ms': { default: '2000', help: 'the stability window, of the file-watcher and the bare script alike' },
  'file-rate': { default: '20', help: 'files written per second in the file latency run' },
  'file-seconds': { default: '10', help: 'seconds per file latency run' },
  'burst-files': { default: '10000', help: 'files dropped at once in the burst run' },
  'file-bytes': { default: '2048', help: 'bytes per file' },
  'drain-seconds': { default: '20', help: 'how long after the last write or row an event may still arrive' },
  'watcher-env': { default: '', help: 'extra file-watcher environment, KEY=VALUE;KEY=VALUE (experiments)' },
  brokers: { default: '127.0.0.1:9092', help: 'Kafka bootstrap servers, comma-separated' },
  'database-url': { default: 'postgres://postgres@127.0.0.1:55432/flowline', help: 'PostgreSQL (wal_level=logical)' },
  'max-minutes': { default: '30', help: 'whole-run watchdog: past it, kill what runs, clean up, exit 2' },
  out: { default: 'bench/sources/results/latest.json', help: 'where the JSON line is written too' },
} as const;

function envList(text: string, flag: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split(';').filter((item) => item.trim() !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--${flag}: "${pair}" is not KEY=VALUE; e.g. --${flag} "CDC_MAX_IN_FLIGHT=20000"`);
    env[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return env;
}

export function parseSourcesSettings(argv: readonly string[], env: NodeJS.ProcessEnv): SourcesSettings {
  const flags = readFlags(FLAGS, argv, env, {
    command: 'npm run bench:sources',
    footer: [
      'Needs the local infrastructure (npm run infra:up), Java 17 and mvn (the Debezium jars are fetched once).',
    ],
  });
  return {
    brokers: flags
      .raw('brokers')
      .split(',')
      .map((broker) => broker.trim()),
    databaseUrl: flags.raw('database-url'),
    phases: flags.list('phases', PHASES),
    repeat: flags.positive('repeat'),
    partitions: flags.positive('partitions'),
    cdc: {
      variants: flags.list('cdc-variants', CDC_VARIANTS),
      bulkRows: flags.positive('bulk-rows'),
      rowsPerTransaction: flags.positive('rows-per-transaction'),
      rate: flags.positive('cdc-rate'),
      seconds: flags.positive('cdc-seconds'),
      drainSeconds: flags.positive('drain-seconds'),
      warmupRows: flags.nonNegative('cdc-warmup-rows'),
      padBytes: flags.nonNegative('pad-bytes'),
      listenerEnv: envList(flags.raw('listener-env'), 'listener-env'),
    },
    files: {
      subjects: flags.list('file-subjects', FILE_SUBJECTS),
      stabilityMs: flags.positive('stability-ms'),
      rate: flags.positive('file-rate'),
      seconds: flags.positive('file-seconds'),
      burstFiles: flags.positive('burst-files'),
      fileBytes: flags.positive('file-bytes'),
      drainSeconds: flags.positive('drain-seconds'),
      watcherEnv: envList(flags.raw('watcher-env'), 'watcher-env'),
    },
    maxMinutes: flags.positive('max-minutes'),
    outFile: flags.raw('out'),
  };
}
