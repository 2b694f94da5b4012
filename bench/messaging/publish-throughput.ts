/**
 * Publish throughput: the runtime's coalescing publisher under many concurrent callers
 * (each awaits its own publish, as a gateway's request handlers do) against the simplest
 * correct kafkajs use, one caller awaiting one idempotent acks=all `send` per event.
 * Both encode the same events inside the timed loop and send to the same topic; connect
 * and a first warm-up send (metadata) happen before the clock starts.
 */
import { encodeEvent } from '@flowline/event-schemas';
import type { PublisherOptions } from '@flowline/messaging';
import type { BenchEvent } from './bench-events';
import { benchEvent, fillerOf } from './bench-events';
import type { BenchKafka } from './bench-kafka';
import { BASELINE_PRODUCER } from './bench-kafka';
import { stopWithin, withDeadline } from './deadline';
import { median, medianRatio } from './percentiles';
import { progress } from './progress';
import type { Target } from './target';
import { target } from './target';

export interface ThroughputRun {
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

export interface PublishResult {
  callers: number;
  coalescing: { runs: ThroughputRun[]; medianEventsPerSecond: number };
  oneByOne: { runs: ThroughputRun[]; medianEventsPerSecond: number };
  /** Median over repetitions of coalescing / one-by-one. */
  ratio: number;
  target: Target;
}

export interface PublishSettings {
  events: number;
  callers: number;
  seconds: number;
  repeat: number;
  /** Untimed repetitions of both sides before the counted ones. */
  warmup: number;
  payloadBytes: number;
  partitions: number;
  publisher: PublisherOptions;
}

export const PUBLISH_TARGET_RATIO = 10;

export async function measurePublishThroughput(bench: BenchKafka, settings: PublishSettings): Promise<PublishResult> {
  const topic = bench.name('publish');
  await bench.createTopics([topic], settings.partitions);
  const filler = fillerOf(settings.payloadBytes);
  const events = Array.from({ length: settings.events }, (_, index) => benchEvent(index, filler));
  const coalescing: ThroughputRun[] = [];
  const oneByOne: ThroughputRun[] = [];
  // Warm-up repetitions first (not counted); then the side that goes first alternates, so neither always runs on the other's garbage.
  for (let rep = -settings.warmup; rep < settings.repeat; rep++) {
    const label = rep < 0 ? `warm-up ${rep + settings.warmup + 1}/${settings.warmup}` : `${rep + 1}/${settings.repeat}`;
    const sides = [
      { name: 'coalescing', runs: coalescing, measure: () => coalescingPublish(bench, topic, events, settings) },
      { name: 'one-by-one', runs: oneByOne, measure: () => oneByOneSend(bench, topic, events, settings) },
    ];
    if (Math.abs(rep) % 2 === 1) sides.reverse();
    const line: string[] = [];
    for (const side of sides) {
      // The bench process's CPU time per event beside each rate: a side whose CPU per event is far below its wall time per event waits for the broker.
      const cpu = process.cpuUsage();
      const run = await side.measure();
      if (rep >= 0) side.runs.push(run);
      line.push(
        `${side.name} ${Math.round(run.eventsPerSecond)} ev/s (process CPU ${cpuMicrosPerEvent(process.cpuUsage(cpu), run.events)} µs/event)`,
      );
    }
    progress(`publish ${label}: ${line.join(', ')}`);
  }
  const ratio = medianRatio(
    coalescing.map((run) => run.eventsPerSecond),
    oneByOne.map((run) => run.eventsPerSecond),
  );
  return {
    callers: settings.callers,
    coalescing: { runs: coalescing, medianEventsPerSecond: median(coalescing.map((run) => run.eventsPerSecond)) },
    oneByOne: { runs: oneByOne, medianEventsPerSecond: median(oneByOne.map((run) => run.eventsPerSecond)) },
    ratio,
    target: target(
      `coalescing publish >= ${PUBLISH_TARGET_RATIO}x one-by-one awaited send (${settings.callers} callers)`,
      ratio,
      '>=',
      PUBLISH_TARGET_RATIO,
    ),
  };
}

/** Process CPU time (user + system) per event, in µs, as the progress lines print it. */
export function cpuMicrosPerEvent(cpu: NodeJS.CpuUsage, events: number): string {
  return ((cpu.user + cpu.system) / events).toFixed(1);
}

async function coalescingPublish(
  bench: BenchKafka,
  topic: string,
  events: readonly BenchEvent[],
  settings: PublishSettings,
): Promise<ThroughputRun> {
  const publisher = bench.messaging.createPublisher(settings.publisher);
  await withDeadline(publisher.start(), 15_000, 'start the coalescing publisher');
  try {
    await withDeadline(publisher.publish(topic, events[0] as BenchEvent), 15_000, 'warm-up publish');
    let next = 0;
    let done = 0;
    const started = performance.now();
    const stopAt = started + settings.seconds * 1_000;
    const caller = async (): Promise<void> => {
      while (next < events.length && performance.now() < stopAt) {
        const event = events[next++] as BenchEvent;
        await publisher.publish(topic, event);
        done++;
      }
    };
    await withDeadline(
      Promise.all(Array.from({ length: settings.callers }, caller)),
      settings.seconds * 1_000 + 30_000,
      'coalescing publish',
    );
    return throughput(done, performance.now() - started);
  } finally {
    await stopWithin(() => publisher.stop(), 15_000, 'stop the coalescing publisher');
  }
}

async function oneByOneSend(
  bench: BenchKafka,
  topic: string,
  events: readonly BenchEvent[],
  settings: PublishSettings,
): Promise<ThroughputRun> {
  const producer = bench.kafka.producer(BASELINE_PRODUCER);
  await withDeadline(producer.connect(), 15_000, 'connect the one-by-one producer');
  try {
    await withDeadline(
      producer.send({ topic, acks: -1, messages: [encodeEvent(events[0] as BenchEvent)] }),
      15_000,
      'warm-up send',
    );
    let done = 0;
    const started = performance.now();
    const stopAt = started + settings.seconds * 1_000;
    const loop = async (): Promise<void> => {
      while (done < events.length && performance.now() < stopAt) {
        await producer.send({ topic, acks: -1, messages: [encodeEvent(events[done] as BenchEvent)] });
        done++;
      }
    };
    await withDeadline(loop(), settings.seconds * 1_000 + 30_000, 'one-by-one send');
    return throughput(done, performance.now() - started);
  } finally {
    await stopWithin(() => producer.disconnect(), 15_000, 'disconnect the one-by-one producer');
  }
}

export function throughput(events: number, elapsedMs: number): ThroughputRun {
  return { events, seconds: elapsedMs / 1_000, eventsPerSecond: events / (elapsedMs / 1_000) };
}
