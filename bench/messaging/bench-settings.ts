/**
 * The bench's sizes and durations: CLI flags first, then BENCH_* environment variables,
 * then defaults sized to finish in about four minutes on a 2-core machine. A bad value
 * fails at once, naming the flag, the problem and an example.
 */
import { parseArgs } from 'node:util';

export const PHASES = ['publish', 'pipeline', 'latency'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchSettings {
  brokers: string[];
  phases: Phase[];
  /** Repetitions of every measurement; figures are medians over them. */
  repeat: number;
  payloadBytes: number;
  /** Partitions of every bench topic. */
  partitions: number;
  /** The runtime's `partitionsConcurrently` (and the bare loop's); undefined keeps the runtime default. */
  partitionsConcurrently: number | undefined;
  /** The runtime publisher's `maxBatchSize`; undefined keeps the runtime default. */
  publisherBatch: number | undefined;
  publish: { events: number; callers: number; seconds: number };
  pipeline: { events: number; seconds: number };
  latency: { rate: number; seconds: number; drainSeconds: number };
  /** Whole-run watchdog: past it the bench cleans up and exits 2. */
  maxMinutes: number;
  outFile: string;
}

const FLAGS = {
  phases: { default: PHASES.join(','), help: 'phases to run, e.g. publish,latency' },
  repeat: { default: '3', help: 'repetitions per measurement (median reported)' },
  'payload-bytes': { default: '256', help: 'filler bytes in each event payload' },
  partitions: { default: '3', help: 'partitions of every bench topic' },
  'partitions-concurrently': { default: '', help: "runtime's partitionsConcurrently (empty: runtime default)" },
  'publisher-batch': { default: '', help: "runtime publisher's maxBatchSize (empty: runtime default)" },
  'publish-events': { default: '20000', help: 'events per publish run (each run also stops at --publish-seconds)' },
  callers: { default: '100', help: 'concurrent publish callers for the coalescing publisher' },
  'publish-seconds': { default: '4', help: 'time cap of one publish run' },
  events: { default: '30000', help: 'events pre-filled into the consume→produce input topic' },
  'pipeline-seconds': { default: '60', help: 'deadline of one consume→produce run' },
  rate: { default: '1000', help: 'events/s sent in the latency phase' },
  seconds: { default: '10', help: 'seconds of sending per latency run' },
  'drain-seconds': { default: '10', help: 'wait after the last send for late events (then they count as missing)' },
  'max-minutes': { default: '9', help: 'whole-run watchdog' },
  out: { default: 'bench/messaging/results/latest.json', help: 'where the JSON result is written' },
} as const;

type Flag = keyof typeof FLAGS;

export function parseBenchSettings(argv: readonly string[], env: NodeJS.ProcessEnv): BenchSettings {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries([...Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }]), ['help', { type: 'boolean' as const }]]),
    strict: true,
  });
  if (values['help'] === true) {
    console.log(usage());
    process.exit(0);
  }
  const raw = (flag: Flag): string => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return fromFlag;
    return env[`BENCH_${flag.toUpperCase().replaceAll('-', '_')}`] ?? FLAGS[flag].default;
  };
  const positive = (flag: Flag, integer = true): number => {
    const text = raw(flag);
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new Error(`--${flag} (or BENCH_${flag.toUpperCase().replaceAll('-', '_')}) must be a positive ${integer ? 'integer' : 'number'}, got "${text}"; e.g. --${flag} ${FLAGS[flag].default || '3'}`);
    }
    return value;
  };
  const optionalPositive = (flag: Flag): number | undefined => (raw(flag) === '' ? undefined : positive(flag));

  const phases = raw('phases')
    .split(',')
    .map((phase) => phase.trim())
    .filter((phase) => phase !== '');
  for (const phase of phases) {
    if (!(PHASES as readonly string[]).includes(phase)) throw new Error(`--phases: unknown phase "${phase}"; e.g. --phases ${PHASES.join(',')}`);
  }
  return {
    brokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()),
    phases: phases as Phase[],
    repeat: positive('repeat'),
    payloadBytes: positive('payload-bytes'),
    partitions: positive('partitions'),
    partitionsConcurrently: optionalPositive('partitions-concurrently'),
    publisherBatch: optionalPositive('publisher-batch'),
    publish: { events: positive('publish-events'), callers: positive('callers'), seconds: positive('publish-seconds', false) },
    pipeline: { events: positive('events'), seconds: positive('pipeline-seconds', false) },
    latency: { rate: positive('rate', false), seconds: positive('seconds', false), drainSeconds: positive('drain-seconds', false) },
    maxMinutes: positive('max-minutes', false),
    outFile: raw('out'),
  };
}

function usage(): string {
  const lines = Object.entries(FLAGS).map(([flag, { default: fallback, help }]) => `  --${flag.padEnd(24)} ${help} (default ${fallback === '' ? 'none' : fallback}; env BENCH_${flag.toUpperCase().replaceAll('-', '_')})`);
  return ['npm run bench:messaging -- [flags]', '', ...lines, '', 'KAFKA_BROKERS sets the brokers (default 127.0.0.1:9092).'].join('\n');
}
