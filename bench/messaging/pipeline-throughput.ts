/**
 * Consume→produce throughput: how fast a stage drains a pre-filled input topic, each input
 * producing one output, committed only after its output was acknowledged.
 *
 * - runtime (non-transactional and transactional): `createConsumer` whose handler does
 *   `context.publish(output, derivedEvent)`; decoding, the derived event and its encoding
 *   are part of the measured work, as they are in a real stage.
 * - bare loop: a kafkajs consumer whose eachBatch sends the whole batch, bytes unchanged,
 *   with one `sendBatch` (idempotent, acks=all) and then commits. The fastest correct loop
 *   kafkajs allows, with the same fetch wait and partition concurrency as the runtime.
 *
 * The clock starts right before the consumer starts (connect, join, first fetch are in) and
 * stops when the group's committed offsets cover the whole input, polled every 20 ms; every
 * variant gets a fresh consumer group on the same input. Variants are interleaved per
 * repetition, each repetition starting one variant later than the last, after `warmup`
 * untimed repetitions of them all (the JIT warms up code every variant shares, kafkajs's
 * above all, on whichever runs first).
 */
import type { Consumer, Producer } from 'kafkajs';
import type { EventPublisher } from '@flowline/messaging';
import { benchEvent, derivedEvent, fillerOf } from './bench-events';
import type { BenchKafka } from './bench-kafka';
import { BASELINE_PRODUCER } from './bench-kafka';
import { stopWithin, waitUntil, withDeadline } from './deadline';
import { median, medianRatio } from './percentiles';
import { progress } from './progress';
import type { ThroughputRun } from './publish-throughput';
import { cpuMicrosPerEvent, throughput } from './publish-throughput';
import type { Target } from './target';
import { target } from './target';

export const PIPELINE_VARIANTS = ['runtimeTransactional', 'runtime', 'bare'] as const;
export type PipelineVariant = (typeof PIPELINE_VARIANTS)[number];

export interface PipelineRun extends ThroughputRun {
  /** How far the output topic's offsets moved (≥ events; transactional runs add one commit marker per transaction and partition). */
  outputOffsets: number;
}

export interface PipelineVariantResult {
  /** Successful runs (none for a variant left out with --pipeline-variants); pairs with the other variants' runs by repetition. */
  runs: PipelineRun[];
  medianEventsPerSecond: number;
  /** Why the variant stopped being run, if it failed. */
  error?: string;
}

export interface PipelineResult {
  events: number;
  variants: Record<PipelineVariant, PipelineVariantResult>;
  /** Median over repetitions of runtime / bare. */
  ratioRuntimeToBare: number;
  ratioTransactionalToBare: number;
  target: Target;
}

export interface PipelineSettings {
  events: number;
  seconds: number;
  repeat: number;
  /** Untimed repetitions of every variant before the counted ones. */
  warmup: number;
  payloadBytes: number;
  partitions: number;
  partitionsConcurrently: number | undefined;
  publisherBatch: number | undefined;
  /** Which variants to run (all by default; one alone is for profiling it). */
  variants: readonly PipelineVariant[];
}

export const PIPELINE_TARGET_RATIO = 0.8;
/** The runtime's default (libs/messaging event-consumer.ts), used for the bare loop too. */
const DEFAULT_PARTITIONS_CONCURRENTLY = 3;
/** The runtime consumer's fetch wait (libs/messaging event-consumer.ts), used for the bare loop too. */
const RUNTIME_MAX_WAIT_MS = 1_000;

export async function measurePipelineThroughput(
  bench: BenchKafka,
  settings: PipelineSettings,
): Promise<PipelineResult> {
  const input = bench.name('pipeline-in');
  const outputs = Object.fromEntries(
    PIPELINE_VARIANTS.map((variant) => [variant, bench.name(`pipeline-out-${variant}`)]),
  ) as Record<PipelineVariant, string>;
  // The runtime creates `<input>.dlq` at start; made here so that start does not time topic creation.
  await bench.createTopics([input, `${input}.dlq`, ...Object.values(outputs)], settings.partitions);
  await prefill(bench, input, settings);
  progress(`pipeline: input pre-filled with ${settings.events} events`);
  const inputEnd = await bench.highWatermarkTotal(input);

  const runs: Record<PipelineVariant, PipelineRun[]> = { runtimeTransactional: [], runtime: [], bare: [] };
  // A variant that fails is reported with its error and not run again; the others go on.
  const errors: Partial<Record<PipelineVariant, string>> = {};
  for (let rep = -settings.warmup; rep < settings.repeat; rep++) {
    const label = rep < 0 ? `warm-up ${rep + settings.warmup + 1}/${settings.warmup}` : `${rep + 1}/${settings.repeat}`;
    const shift = (rep + settings.warmup) % settings.variants.length;
    for (const variant of [...settings.variants.slice(shift), ...settings.variants.slice(0, shift)]) {
      if (errors[variant] !== undefined) continue;
      const run = {
        bench,
        input,
        output: outputs[variant],
        inputEnd,
        groupId: bench.name(`pipeline-${variant}-${rep < 0 ? `w${-rep}` : rep}`),
        settings,
      };
      try {
        const cpu0 = process.cpuUsage();
        const result =
          variant === 'bare' ? await bareLoop(run) : await runtimeStage(run, variant === 'runtimeTransactional');
        if (rep >= 0) runs[variant].push(result);
        // The bench process's CPU time per event (the broker's is not in it): where the time goes when a run is CPU-bound.
        const cpu = cpuMicrosPerEvent(process.cpuUsage(cpu0), result.events);
        progress(
          `pipeline ${label} ${variant}: ${Math.round(result.eventsPerSecond)} ev/s (${result.seconds.toFixed(2)} s; process CPU ${cpu} µs/event)`,
        );
      } catch (error) {
        errors[variant] = `repetition ${label}: ${(error as Error).message}`;
        progress(`pipeline ${label} ${variant}: FAILED ${(error as Error).message}`);
      }
    }
  }
  const rates = (variant: PipelineVariant): number[] => runs[variant].map((run) => run.eventsPerSecond);
  const ratioRuntimeToBare = medianRatio(rates('runtime'), rates('bare'));
  const summary = (variant: PipelineVariant): PipelineVariantResult => ({
    runs: runs[variant],
    medianEventsPerSecond: median(rates(variant)),
    ...(errors[variant] === undefined ? {} : { error: errors[variant] }),
  });
  return {
    events: inputEnd,
    variants: {
      runtimeTransactional: summary('runtimeTransactional'),
      runtime: summary('runtime'),
      bare: summary('bare'),
    },
    ratioRuntimeToBare,
    ratioTransactionalToBare: medianRatio(rates('runtimeTransactional'), rates('bare')),
    target: target(
      `runtime consume→produce (non-transactional) >= ${PIPELINE_TARGET_RATIO}x bare kafkajs loop`,
      ratioRuntimeToBare,
      '>=',
      PIPELINE_TARGET_RATIO,
    ),
  };
}

/** Writes the input once, through the coalescing publisher (not timed). */
async function prefill(bench: BenchKafka, topic: string, settings: PipelineSettings): Promise<void> {
  const publisher = bench.messaging.createPublisher();
  await withDeadline(publisher.start(), 15_000, 'start the prefill publisher');
  try {
    const filler = fillerOf(settings.payloadBytes);
    let next = 0;
    const caller = async (): Promise<void> => {
      while (next < settings.events) await publisher.publish(topic, benchEvent(next++, filler));
    };
    await withDeadline(Promise.all(Array.from({ length: 100 }, caller)), 120_000, `prefill ${settings.events} events`);
  } finally {
    await stopWithin(() => publisher.stop(), 15_000, 'stop the prefill publisher');
  }
}

interface Run {
  bench: BenchKafka;
  input: string;
  output: string;
  /** Sum of the input's end offsets: done when the group committed up to it. */
  inputEnd: number;
  groupId: string;
  settings: PipelineSettings;
}

async function runtimeStage(run: Run, transactional: boolean): Promise<PipelineRun> {
  const { bench, settings } = run;
  const publisher: EventPublisher = bench.messaging.createPublisher(
    settings.publisherBatch === undefined ? {} : { maxBatchSize: settings.publisherBatch },
  );
  await withDeadline(publisher.start(), 15_000, 'start the runtime publisher');
  const outputBefore = await bench.highWatermarkTotal(run.output);
  const consumer = bench.messaging.createConsumer({
    groupId: run.groupId,
    topics: [run.input],
    publisher,
    transactional,
    ...(settings.partitionsConcurrently === undefined
      ? {}
      : { partitionsConcurrently: settings.partitionsConcurrently }),
    handle: (event, context) => {
      context.publish(run.output, derivedEvent(event, '/bench/pipeline'));
      return Promise.resolve();
    },
  });
  try {
    const started = performance.now();
    await withDeadline(consumer.start(), 30_000, `start the runtime consumer ${run.groupId}`);
    const member = consumer.readiness();
    await waitForCommits(run, started, () =>
      member.check().then(
        () => true,
        () => false,
      ),
    );
    const elapsed = performance.now() - started;
    return {
      ...throughput(run.inputEnd, elapsed),
      outputOffsets: (await bench.highWatermarkTotal(run.output)) - outputBefore,
    };
  } finally {
    await stopWithin(() => consumer.stop(), 30_000, `stop the runtime consumer ${run.groupId}`);
    await stopWithin(() => publisher.stop(), 15_000, 'stop the runtime publisher');
  }
}

async function bareLoop(run: Run): Promise<PipelineRun> {
  const { bench, settings } = run;
  const producer: Producer = bench.kafka.producer(BASELINE_PRODUCER);
  await withDeadline(producer.connect(), 15_000, 'connect the bare producer');
  const outputBefore = await bench.highWatermarkTotal(run.output);
  const consumer: Consumer = bench.kafka.consumer({
    groupId: run.groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: RUNTIME_MAX_WAIT_MS,
  });
  let member = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    member = true;
  });
  consumer.on(consumer.events.CRASH, () => {
    member = false;
  });
  try {
    const started = performance.now();
    await withDeadline(
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [run.input], fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: settings.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
          eachBatch: async (payload) => {
            const { batch } = payload;
            if (batch.messages.length === 0) return;
            await producer.sendBatch({
              acks: -1,
              topicMessages: [
                {
                  topic: run.output,
                  messages: batch.messages.map((message) => ({
                    key: message.key,
                    value: message.value,
                    headers: message.headers,
                  })),
                },
              ],
            });
            const last = batch.lastOffset();
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
            ]);
            payload.resolveOffset(last);
          },
        });
      })(),
      30_000,
      `start the bare consumer ${run.groupId}`,
    );
    await waitForCommits(run, started, () => member);
    const elapsed = performance.now() - started;
    return {
      ...throughput(run.inputEnd, elapsed),
      outputOffsets: (await bench.highWatermarkTotal(run.output)) - outputBefore,
    };
  } finally {
    await stopWithin(() => consumer.disconnect(), 30_000, `stop the bare consumer ${run.groupId}`);
    await stopWithin(() => producer.disconnect(), 15_000, 'disconnect the bare producer');
  }
}

/**
 * Polls the group's committed offsets until they cover the input. A consumer that stays out
 * of its group for 3 s (it crashed: see the error logged above) fails the run at once
 * instead of at the deadline.
 */
async function waitForCommits(run: Run, started: number, isMember: () => boolean | Promise<boolean>): Promise<void> {
  let lastMemberAt = performance.now();
  await waitUntil(
    async () => {
      if (await isMember()) lastMemberAt = performance.now();
      else if (performance.now() - lastMemberAt > 3_000)
        throw new Error(
          `${run.groupId}: the consumer left its group (crashed?) before committing all ${run.inputEnd} input events`,
        );
      return (await run.bench.committedTotal(run.groupId, run.input)) >= run.inputEnd;
    },
    started + run.settings.seconds * 1_000,
    20,
    `${run.groupId} committing all ${run.inputEnd} input events`,
  );
}
