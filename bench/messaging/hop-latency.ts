/**
 * One-hop latency at a fixed rate: generator → input topic → stage → output topic →
 * measuring consumer, where the stage is either the runtime (`createConsumer`, handler does
 * `context.publish`) or a naive kafkajs pipe (eachMessage → await one `send` → next).
 *
 * Latency is counted from each event's *scheduled* send time, t0 + i / rate, carried in the
 * payload, to the moment the measuring consumer's fetch returned it. A generator that falls
 * behind therefore cannot hide delay (no coordinated omission). An event that has not
 * arrived by the drain deadline counts as infinitely late. Generator, stage and measuring
 * consumer share one process and one clock (performance.now()).
 *
 * Before t0 both consumers have joined their groups and a few warm-up events have made the
 * whole path once (connections, metadata, first fetch positions); they are not counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from 'kafkajs';
import type { EventPublisher } from '@flowline/messaging';
import { benchEvent, derivedEvent, fillerOf, readLatencyStamp } from './bench-events';
import type { BenchKafka } from './bench-kafka';
import { BASELINE_PRODUCER } from './bench-kafka';
import { stopWithin, waitUntil, withDeadline } from './deadline';
import type { LatencySummary } from './percentiles';
import { median, medianRatio, summarizeLatencies } from './percentiles';
import { progress } from './progress';
import type { Target } from './target';
import { target } from './target';

/**
 * `floor` is a diagnostic, not a baseline: no stage at all, the generator publishes straight
 * to the measured topic, so it shows what the generator and the measuring consumer alone cost.
 */
export const LATENCY_VARIANTS = ['runtime', 'naive', 'floor'] as const;
export type LatencyVariant = (typeof LATENCY_VARIANTS)[number];

export interface LatencyRun extends LatencySummary {
  /** The latest the generator actually handed an event to the publisher, after its scheduled time. */
  generatorMaxLagMs: number;
  publishFailures: number;
}

export interface LatencyResult {
  rate: number;
  seconds: number;
  variants: Partial<Record<LatencyVariant, LatencyVariantResult>>;
  /** Median over repetitions of naive p99 / runtime p99 (how many times lower the runtime's p99 is). */
  p99NaiveToRuntime: number;
  target: Target;
}

export interface LatencyVariantResult {
  runs: LatencyRun[];
  medianP50Ms: number;
  medianP99Ms: number;
  medianMaxMs: number;
}

export interface LatencySettings {
  /** Which variants to run; runtime and naive are needed for the target and the ratio. */
  variants: readonly LatencyVariant[];
  rate: number;
  seconds: number;
  drainSeconds: number;
  repeat: number;
  payloadBytes: number;
  partitions: number;
  partitionsConcurrently: number | undefined;
  publisherBatch: number | undefined;
}

export const LATENCY_TARGET_P99_MS = 15;
const WARMUP_EVENTS = 30;
/** The runtime consumer's fetch wait (libs/messaging event-consumer.ts), used by the naive pipe too. */
const RUNTIME_MAX_WAIT_MS = 1_000;

export async function measureHopLatency(bench: BenchKafka, settings: LatencySettings): Promise<LatencyResult> {
  const topicsOf = (variant: LatencyVariant, rep: number) => ({
    input: bench.name(`latency-${variant}-${rep}-in`),
    output: bench.name(`latency-${variant}-${rep}-out`),
  });
  const topics: string[] = [];
  for (let rep = 0; rep < settings.repeat; rep++) {
    for (const variant of settings.variants) {
      const { input, output } = topicsOf(variant, rep);
      topics.push(input, output, `${input}.dlq`);
    }
  }
  await bench.createTopics(topics, settings.partitions);

  const runs: Record<LatencyVariant, LatencyRun[]> = { runtime: [], naive: [], floor: [] };
  for (let rep = 0; rep < settings.repeat; rep++) {
    for (const variant of settings.variants) {
      const result = await latencyRun(
        bench,
        variant,
        { ...topicsOf(variant, rep), name: `latency-${variant}-${rep}` },
        settings,
      );
      runs[variant].push(result);
      progress(
        `latency ${rep + 1}/${settings.repeat} ${variant}: p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms, missing ${result.missing}`,
      );
    }
  }
  const summary = (variant: LatencyVariant): LatencyVariantResult => ({
    runs: runs[variant],
    medianP50Ms: median(runs[variant].map((run) => run.p50Ms)),
    medianP99Ms: median(runs[variant].map((run) => run.p99Ms)),
    medianMaxMs: median(runs[variant].map((run) => run.maxMs)),
  });
  const runtime = summary('runtime');
  return {
    rate: settings.rate,
    seconds: settings.seconds,
    variants: Object.fromEntries(settings.variants.map((variant) => [variant, summary(variant)])),
    p99NaiveToRuntime: medianRatio(
      runs.naive.map((run) => run.p99Ms),
      runs.runtime.map((run) => run.p99Ms),
    ),
    target: target(
      `runtime one-hop p99 <= ${LATENCY_TARGET_P99_MS} ms at ${settings.rate} events/s`,
      runtime.medianP99Ms,
      '<=',
      LATENCY_TARGET_P99_MS,
    ),
  };
}

interface Stage {
  /** Resolves once the stage is a member of its group. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function latencyRun(
  bench: BenchKafka,
  variant: LatencyVariant,
  run: { input: string; output: string; name: string },
  settings: LatencySettings,
): Promise<LatencyRun> {
  const total = Math.round(settings.rate * settings.seconds);
  const recorder = new LatencyRecorder(bench, run.output, bench.name(`${run.name}-measure`), total);
  const stageGroup = bench.name(`${run.name}-stage`);
  const stage =
    variant === 'runtime'
      ? runtimeStage(bench, run.input, run.output, stageGroup, settings)
      : variant === 'naive'
        ? naivePipe(bench, run.input, run.output, stageGroup)
        : NO_STAGE;
  // Without a stage the generator writes where the measuring consumer reads.
  const sendTo = variant === 'floor' ? run.output : run.input;
  const generator = bench.messaging.createPublisher();
  try {
    await withDeadline(recorder.start(), 30_000, `start the measuring consumer of ${run.name}`);
    await withDeadline(stage.start(), 30_000, `start the ${variant} stage of ${run.name}`);
    await withDeadline(generator.start(), 15_000, 'start the generator');
    const filler = fillerOf(settings.payloadBytes);
    await withDeadline(
      Promise.all(
        Array.from({ length: WARMUP_EVENTS }, (_, i) =>
          generator.publish(sendTo, benchEvent(-1 - i, filler, { scheduledAt: 0, warmup: true })),
        ),
      ),
      15_000,
      'warm-up publish',
    );
    await waitUntil(
      () => recorder.warmupsSeen >= WARMUP_EVENTS,
      performance.now() + 30_000,
      10,
      `warm-up events through the ${variant} stage`,
    );

    const sent = await generate(generator, sendTo, total, settings.rate, filler);
    await waitUntil(
      () => recorder.seen >= total,
      performance.now() + settings.drainSeconds * 1_000,
      10,
      `${run.name} draining`,
    ).catch(() => undefined);
    return { ...summarizeLatencies(recorder.latenciesMs), ...sent };
  } finally {
    await stopWithin(() => generator.stop(), 15_000, 'stop the generator');
    await stopWithin(() => stage.stop(), 30_000, `stop the ${variant} stage`);
    await stopWithin(() => recorder.stop(), 30_000, 'stop the measuring consumer');
  }
}

/**
 * Sends event i at t0 + i / rate, without waiting for earlier sends (many independent
 * producers, as at a gateway). The publisher's own back-pressure bounds what waits.
 */
async function generate(
  publisher: EventPublisher,
  topic: string,
  total: number,
  rate: number,
  filler: string,
): Promise<{ generatorMaxLagMs: number; publishFailures: number }> {
  const intervalMs = 1_000 / rate;
  const t0 = performance.now() + 10;
  let outstanding = 0;
  let publishFailures = 0;
  let generatorMaxLagMs = 0;
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && t0 + i * intervalMs <= now) {
      const scheduledAt = t0 + i * intervalMs;
      generatorMaxLagMs = Math.max(generatorMaxLagMs, now - scheduledAt);
      outstanding++;
      void publisher.publish(topic, benchEvent(i, filler, { scheduledAt })).then(
        () => outstanding--,
        () => {
          outstanding--;
          publishFailures++;
        },
      );
      i++;
    }
    await sleep(1);
  }
  await waitUntil(
    () => outstanding === 0,
    performance.now() + 30_000,
    5,
    'the generator’s publishes acknowledged',
  ).catch(() => undefined);
  return { generatorMaxLagMs, publishFailures };
}

/** The far end of the hop: a bare kafkajs consumer (fresh group, no commits) that stamps each fetched batch with its arrival time. */
class LatencyRecorder {
  readonly latenciesMs: Float64Array;
  seen = 0;
  warmupsSeen = 0;
  private readonly consumer: Consumer;
  private joined = false;

  constructor(
    bench: BenchKafka,
    private readonly topic: string,
    groupId: string,
    total: number,
  ) {
    this.latenciesMs = new Float64Array(total).fill(Number.NaN);
    this.consumer = bench.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    // No offset commits: kafkajs would commit after every batch inside the fetch cycle, and
    // that round trip (measured ~5 ms per partition here) would be charged to every variant's hop.
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: ({ batch }) => {
        const arrivedAt = performance.now();
        for (const message of batch.messages) {
          const stamp = readLatencyStamp(message.value);
          if (stamp === undefined) continue;
          if (stamp.warmup) {
            this.warmupsSeen++;
          } else if (stamp.index < this.latenciesMs.length && Number.isNaN(this.latenciesMs[stamp.index])) {
            this.latenciesMs[stamp.index] = arrivedAt - stamp.scheduledAt;
            this.seen++;
          }
        }
        return Promise.resolve();
      },
    });
    await waitUntil(() => this.joined, performance.now() + 30_000, 10, `measuring consumer joining for ${this.topic}`);
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

function runtimeStage(
  bench: BenchKafka,
  input: string,
  output: string,
  groupId: string,
  settings: LatencySettings,
): Stage {
  const publisher = bench.messaging.createPublisher(
    settings.publisherBatch === undefined ? {} : { maxBatchSize: settings.publisherBatch },
  );
  const consumer = bench.messaging.createConsumer({
    groupId,
    topics: [input],
    publisher,
    ...(settings.partitionsConcurrently === undefined
      ? {}
      : { partitionsConcurrently: settings.partitionsConcurrently }),
    handle: (event, context) => {
      context.publish(output, derivedEvent(event, '/bench/latency'));
      return Promise.resolve();
    },
  });
  return {
    async start() {
      await publisher.start();
      await consumer.start();
      const ready = consumer.readiness();
      await waitUntil(
        () =>
          ready.check().then(
            () => true,
            () => false,
          ),
        performance.now() + 30_000,
        10,
        `runtime consumer ${groupId} joining`,
      );
    },
    async stop() {
      await consumer.stop();
      await publisher.stop();
    },
  };
}

const NO_STAGE: Stage = { start: () => Promise.resolve(), stop: () => Promise.resolve() };

/** The naive pipe: one awaited idempotent acks=all `send` per message, kafkajs defaults otherwise (but the runtime's fetch wait). */
function naivePipe(bench: BenchKafka, input: string, output: string, groupId: string): Stage {
  const producer = bench.kafka.producer(BASELINE_PRODUCER);
  const consumer = bench.kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: RUNTIME_MAX_WAIT_MS,
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  return {
    async start() {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [input], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          await producer.send({
            topic: output,
            acks: -1,
            messages: [{ key: message.key, value: message.value, headers: message.headers }],
          });
        },
      });
      await waitUntil(() => joined, performance.now() + 30_000, 10, `naive pipe ${groupId} joining`);
    },
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
