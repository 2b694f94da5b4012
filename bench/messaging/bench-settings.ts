/**
 * The bench's sizes and durations: CLI flags first, then BENCH_* environment variables,
 * then defaults sized to finish in about four minutes on a 2-core machine. A bad value
 * fails at once, naming the flag, the problem and an example.
 */
import { readFlags } from '../shared/bench-flags';
import { LATENCY_VARIANTS, LatencyVariant } from './hop-latency';
import { PIPELINE_VARIANTS, PipelineVariant } from './pipeline-throughput';

export const PHASES = ['publish', 'pipeline', 'latency'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchSettings {
  brokers: string[];
  phases: Phase[];
  /** Repetitions of every measurement; figures are medians over them. */
  repeat: number;
  /** Untimed repetitions before them (publish and pipeline), so no variant pays for the JIT warming up the code all of them share. */
  warmup: number;
  payloadBytes: number;
  /** Partitions of every bench topic. */
  partitions: number;
  /** The runtime's `partitionsConcurrently` (and the bare loop's); undefined keeps the runtime default. */
  partitionsConcurrently: number | undefined;
  /** The runtime publisher's `maxBatchSize`; undefined keeps the runtime default. */
  publisherBatch: number | undefined;
  publish: { events: number; callers: number; seconds: number };
  pipeline: { events: number; seconds: number; variants: PipelineVariant[] };
  latency: { rate: number; seconds: number; drainSeconds: number; variants: LatencyVariant[] };
  /** Start the OpenTelemetry SDK first, as services do: the runtime's spans are then recorded (the baselines make none). */
  tracing: boolean;
  /** Extra round-trip time on every Kafka request of the run (network-delay.ts); 0: loopback as it is. */
  addedRttMs: number;
  /** Whole-run watchdog: past it the bench cleans up and exits 2. */
  maxMinutes: number;
  outFile: string;
}

const FLAGS = {
  phases: { default: PHASES.join(','), help: 'phases to run, e.g. publish,latency' },
  repeat: { default: '3', help: 'repetitions per measurement (median reported)' },
  warmup: { default: '1', help: 'untimed repetitions of every publish and pipeline variant first (0: none)' },
  'payload-bytes': { default: '256', help: 'filler bytes in each event payload' },
  partitions: { default: '3', help: 'partitions of every bench topic' },
  'partitions-concurrently': { default: '', help: "runtime's partitionsConcurrently (empty: runtime default)" },
  'publisher-batch': { default: '', help: "runtime publisher's maxBatchSize (empty: runtime default)" },
  'publish-events': { default: '20000', help: 'events per publish run (each run also stops at --publish-seconds)' },
  callers: { default: '100', help: 'concurrent publish callers for the coalescing publisher' },
  'publish-seconds': { default: '4', help: 'time cap of one publish run' },
  events: { default: '50000', help: 'events pre-filled into the consume→produce input topic' },
  'pipeline-seconds': { default: '30', help: 'deadline of one consume→produce run' },
  'pipeline-variants': {
    default: PIPELINE_VARIANTS.join(','),
    help: 'consume→produce variants to run (one alone: to profile it; the ratios need runtime and bare)',
  },
  rate: { default: '1000', help: 'events/s sent in the latency phase' },
  seconds: { default: '10', help: 'seconds of sending per latency run' },
  'latency-variants': {
    default: 'runtime,naive,floor',
    help: `latency variants among ${LATENCY_VARIANTS.join(',')} (floor: no stage, a diagnostic)`,
  },
  'drain-seconds': { default: '10', help: 'wait after the last send for late events (then they count as missing)' },
  tracing: {
    default: 'off',
    help: "'on': start the OpenTelemetry SDK as every service does (spans recorded, exported nowhere), so the runtime's figures include its spans",
  },
  'added-rtt-ms': {
    default: '0',
    help: 'extra round-trip time on every Kafka request, as across a network (0: loopback as it is)',
  },
  'max-minutes': { default: '9', help: 'whole-run watchdog' },
  out: { default: 'bench/messaging/results/latest.json', help: 'where the JSON result is written' },
} as const;

type Flag = keyof typeof FLAGS;

export function parseBenchSettings(argv: readonly string[], env: NodeJS.ProcessEnv): BenchSettings {
  const { raw, positive, nonNegative, optionalPositive, list } = readFlags<Flag>(FLAGS, argv, env, {
    command: 'npm run bench:messaging',
    footer: ['KAFKA_BROKERS sets the brokers (default 127.0.0.1:9092).'],
  });
  return {
    brokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()),
    phases: list('phases', PHASES),
    repeat: positive('repeat'),
    warmup: nonNegative('warmup'),
    payloadBytes: positive('payload-bytes'),
    partitions: positive('partitions'),
    partitionsConcurrently: optionalPositive('partitions-concurrently'),
    publisherBatch: optionalPositive('publisher-batch'),
    publish: {
      events: positive('publish-events'),
      callers: positive('callers'),
      seconds: positive('publish-seconds', false),
    },
    pipeline: {
      events: positive('events'),
      seconds: positive('pipeline-seconds', false),
      variants: list('pipeline-variants', PIPELINE_VARIANTS),
    },
    latency: {
      rate: positive('rate', false),
      seconds: positive('seconds', false),
      drainSeconds: positive('drain-seconds', false),
      variants: list('latency-variants', LATENCY_VARIANTS),
    },
    tracing: list('tracing', ['on', 'off'] as const).at(-1) === 'on',
    addedRttMs: nonNegative('added-rtt-ms', false),
    maxMinutes: positive('max-minutes', false),
    outFile: raw('out'),
  };
}
