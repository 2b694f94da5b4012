/**
 * Chain latency in deployed form: generator → `ingress.webhook` → router → `agent.document`
 * → document-agent → `events.domain`, the router and the document agent each a process of
 * their own from their builds, both transactional as they ship (read_committed readers).
 *
 * The generator (the runtime's publisher, as the gateway writes) sends event i at its
 * scheduled time t0 + i / rate, without waiting for earlier sends, and an exact ledger counts
 * from that scheduled time: every event sent must come out on `events.domain` exactly once
 * (as `document.processed` caused by it), and its latency is when an outside read_committed
 * consumer's fetch returned it. An event not out by the drain deadline counts as infinitely
 * late; a second copy counts as a duplicate. No coordinated omission: a generator that falls
 * behind cannot hide delay.
 *
 * Where the time goes, per event, from outside (record timestamps are when the producing
 * process built its produce request, so inside a transaction: before its offsets and commit):
 * - floor: an observer of `ingress.webhook` itself, no stage (what generator and observer cost);
 * - scheduled → the router's produce (generator's publish, the router's fetch and handling, and
 *   any retried AddPartitionsToTxn before the produce);
 * - router's produce → the agent's produce (the router's offsets and commit, the commit
 *   markers, the agent's read_committed fetch and handling);
 * - agent's produce → out (the agent's offsets and commit, the observer's fetch);
 * - router's produce → visible on `agent.document` to an observer (one hop's commit cost).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { topicNames } from '@flowline/event-schemas';
import type { EventPublisher } from '@flowline/messaging';
import { benchEvent, fillerOf } from '../messaging/bench-events';
import type { BenchKafka } from '../messaging/bench-kafka';
import { stopWithin, waitUntil, withDeadline } from '../messaging/deadline';
import { median, percentile, summarizeLatencies, type LatencySummary } from '../messaging/percentiles';
import { progress } from '../messaging/progress';
import { target, type Target } from '../messaging/target';
import {
  cpuSeconds,
  findBrokerPid,
  machineBusySeconds,
  spawnService,
  summarizeLog,
  waitUntilReady,
  type BenchProcess,
  type LogSummary,
} from './child-process';
import { epochNow, TopicObserver } from './topic-observer';

export const CHAIN_TARGET_P99_MS = 100;
const WARMUP_EVENTS = 30;

export interface ChainSettings {
  rate: number;
  seconds: number;
  drainSeconds: number;
  repeat: number;
  partitions: number;
  payloadBytes: number;
  /** Extra environment for both stages (config experiments); empty as shipped. */
  stageEnv: Record<string, string>;
  /** Where the stages' log files go (deleted with it at the end). */
  logDir: string;
}

/** p50 / p99 of one segment of the path, over the events that have both ends. */
export interface Segment {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  events: number;
}

export interface ChainRun extends LatencySummary {
  sent: number;
  delivered: number;
  duplicates: number;
  publishFailures: number;
  generatorMaxLagMs: number;
  segments: {
    floorNoStage: Segment;
    scheduledToRouterProduce: Segment;
    routerProduceToAgentProduce: Segment;
    agentProduceToOut: Segment;
    routerProduceToVisible: Segment;
    oneHopRouterVisible: Segment;
  };
  logs: { router: LogSummary; documentAgent: LogSummary };
  /** Cores each process used while the generator sent (CPU seconds / wall seconds); the machine has `os.cpus()`. */
  coresUsed: { router: number; documentAgent: number; bench: number; broker: number; wholeMachine: number };
}

export interface ChainResult {
  rate: number;
  seconds: number;
  stageEnv: Record<string, string>;
  runs: ChainRun[];
  medianP50Ms: number;
  medianP99Ms: number;
  medianMaxMs: number;
  target: Target;
}

export async function measureChainLatency(bench: BenchKafka, settings: ChainSettings): Promise<ChainResult> {
  const runs: ChainRun[] = [];
  for (let rep = 0; rep < settings.repeat; rep++) {
    const run = await chainRun(bench, rep, settings);
    runs.push(run);
    const s = run.segments;
    progress(
      `chain ${rep + 1}/${settings.repeat}: ${run.delivered}/${run.sent} delivered (${run.duplicates} duplicates), p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, max ${run.maxMs.toFixed(1)} ms; ` +
        `floor p99 ${s.floorNoStage.p99Ms.toFixed(1)}, →router produce p50/p99 ${s.scheduledToRouterProduce.p50Ms.toFixed(0)}/${s.scheduledToRouterProduce.p99Ms.toFixed(0)}, ` +
        `router→agent produce ${s.routerProduceToAgentProduce.p50Ms.toFixed(0)}/${s.routerProduceToAgentProduce.p99Ms.toFixed(0)}, agent produce→out ${s.agentProduceToOut.p50Ms.toFixed(0)}/${s.agentProduceToOut.p99Ms.toFixed(0)} ms`,
    );
  }
  const medianP99Ms = median(runs.map((run) => run.p99Ms));
  return {
    rate: settings.rate,
    seconds: settings.seconds,
    stageEnv: settings.stageEnv,
    runs,
    medianP50Ms: median(runs.map((run) => run.p50Ms)),
    medianP99Ms,
    medianMaxMs: median(runs.map((run) => run.maxMs)),
    target: target(
      `two-hop chain p99 <= ${CHAIN_TARGET_P99_MS} ms at ${settings.rate} events/s (every event exactly once)`,
      // A lost or duplicated event fails the target whatever the latency.
      runs.every((run) => run.missing === 0 && run.duplicates === 0) ? medianP99Ms : Number.NaN,
      '<=',
      CHAIN_TARGET_P99_MS,
    ),
  };
}

/** Per-event timestamps (epoch ms), NaN until known. */
class Ledger {
  readonly scheduled: Float64Array;
  readonly ingressArrived: Float64Array;
  readonly routerProduced: Float64Array;
  readonly routerVisible: Float64Array;
  readonly agentProduced: Float64Array;
  readonly out: Float64Array;
  readonly ids = new Map<string, number>();
  delivered = 0;
  duplicates = 0;
  warmupsOut = 0;
  readonly warmupIds = new Set<string>();

  constructor(readonly total: number) {
    const slots = () => new Float64Array(total).fill(Number.NaN);
    this.scheduled = slots();
    this.ingressArrived = slots();
    this.routerProduced = slots();
    this.routerVisible = slots();
    this.agentProduced = slots();
    this.out = slots();
  }

  indexOf(event: { id: string }): number | undefined {
    return this.ids.get(event.id);
  }
}

async function chainRun(bench: BenchKafka, rep: number, settings: ChainSettings): Promise<ChainRun> {
  const prefix = bench.name(`chain${rep}-`);
  const topics = topicNames(prefix);
  // Everything the two services create at start, made here with the run's partitions so their start does not race on it.
  await bench.createTopics(
    [
      topics.ingressWebhook,
      topics.ingressFile,
      topics.ingressCdc,
      topics.domainEvents,
      topics.unrouted,
      topics.agent('invoice'),
      topics.agent('email'),
      topics.agent('document'),
      topics.agent('sync'),
    ],
    settings.partitions,
  );
  const total = Math.round(settings.rate * settings.seconds);
  const ledger = new Ledger(total);
  const logDir = await mkdtemp(join(settings.logDir, `chain${rep}-`));
  const env = {
    KAFKA_BROKERS: bench.brokers.join(','),
    FLOWLINE_TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(settings.partitions),
    ...settings.stageEnv,
  };
  const observers = [
    new TopicObserver(
      bench,
      topics.ingressWebhook,
      bench.name(`chain${rep}-observe-ingress`),
      ({ event, arrivedAt }) => {
        const i = ledger.indexOf(event);
        if (i !== undefined && Number.isNaN(ledger.ingressArrived[i])) ledger.ingressArrived[i] = arrivedAt;
      },
    ),
    new TopicObserver(
      bench,
      topics.agent('document'),
      bench.name(`chain${rep}-observe-agent`),
      ({ event, producedAt, arrivedAt }) => {
        const i = ledger.indexOf(event);
        if (i === undefined || !Number.isNaN(ledger.routerVisible[i])) return;
        ledger.routerProduced[i] = producedAt;
        ledger.routerVisible[i] = arrivedAt;
      },
    ),
    new TopicObserver(
      bench,
      topics.domainEvents,
      bench.name(`chain${rep}-observe-out`),
      ({ event, producedAt, arrivedAt }) => {
        if (event.type !== 'document.processed' || event.causationid === undefined) return;
        if (ledger.warmupIds.has(event.causationid)) {
          ledger.warmupsOut++;
          return;
        }
        const i = ledger.ids.get(event.causationid);
        if (i === undefined) return;
        if (!Number.isNaN(ledger.out[i])) {
          ledger.duplicates++;
          return;
        }
        ledger.out[i] = arrivedAt;
        ledger.agentProduced[i] = producedAt;
        ledger.delivered++;
      },
    ),
  ];
  const stages: BenchProcess[] = [];
  const generator = bench.messaging.createPublisher();
  try {
    stages.push(await spawnService('router', env, logDir));
    stages.push(await spawnService('document-agent', env, logDir));
    await Promise.all(stages.map((stage) => waitUntilReady(stage)));
    for (const observer of observers) await withDeadline(observer.start(), 30_000, 'start an observer');
    await withDeadline(generator.start(), 15_000, 'start the generator');

    // The whole path once before the clock: connections, metadata, fetch positions, first transactions.
    const filler = fillerOf(settings.payloadBytes);
    const warmups = Array.from({ length: WARMUP_EVENTS }, (_, i) =>
      benchEvent(-1 - i, filler, { scheduledAt: 0, warmup: true }),
    );
    for (const event of warmups) ledger.warmupIds.add(event.id);
    await withDeadline(
      Promise.all(warmups.map((event) => generator.publish(topics.ingressWebhook, event))),
      15_000,
      'warm-up publish',
    );
    await waitUntil(
      () => ledger.warmupsOut >= WARMUP_EVENTS,
      performance.now() + 30_000,
      10,
      'warm-up events through router and document agent',
    );

    const brokerPid = findBrokerPid();
    const cpuAt = () => ({
      router: cpuSeconds(stages[0]?.pid),
      documentAgent: cpuSeconds(stages[1]?.pid),
      bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
      broker: cpuSeconds(brokerPid),
      wholeMachine: machineBusySeconds(),
      wall: performance.now() / 1_000,
    });
    const cpu0 = cpuAt();
    const sent = await generate(generator, topics.ingressWebhook, ledger, settings, filler);
    const cpu1 = cpuAt();
    const cores = (key: keyof typeof cpu0) => (cpu1[key] - cpu0[key]) / (cpu1.wall - cpu0.wall);
    await waitUntil(
      () => ledger.delivered >= total,
      performance.now() + settings.drainSeconds * 1_000,
      10,
      `chain ${rep} draining`,
    ).catch(() => undefined);
    // Late copies would be duplicates: give them a moment to show.
    await sleep(500);
    const latencies = Float64Array.from(ledger.out, (out, i) => out - (ledger.scheduled[i] as number));
    return {
      ...summarizeLatencies(latencies),
      sent: total - sent.publishFailures,
      delivered: ledger.delivered,
      duplicates: ledger.duplicates,
      ...sent,
      segments: {
        floorNoStage: segment(ledger.ingressArrived, ledger.scheduled),
        scheduledToRouterProduce: segment(ledger.routerProduced, ledger.scheduled),
        routerProduceToAgentProduce: segment(ledger.agentProduced, ledger.routerProduced),
        agentProduceToOut: segment(ledger.out, ledger.agentProduced),
        routerProduceToVisible: segment(ledger.routerVisible, ledger.routerProduced),
        oneHopRouterVisible: segment(ledger.routerVisible, ledger.scheduled),
      },
      logs: { router: await summarizeLog(stages[0]!.logFile), documentAgent: await summarizeLog(stages[1]!.logFile) },
      coresUsed: {
        router: cores('router'),
        documentAgent: cores('documentAgent'),
        bench: cores('bench'),
        broker: cores('broker'),
        wholeMachine: cores('wholeMachine'),
      },
    };
  } finally {
    await stopWithin(() => generator.stop(), 15_000, 'stop the generator');
    for (const observer of observers) await stopWithin(() => observer.stop(), 30_000, 'stop an observer');
    await Promise.all(stages.map((stage) => stopWithin(() => stage.stop(), 30_000, `stop ${stage.name}`)));
    await rm(logDir, { recursive: true, force: true });
  }
}

/**
 * Sends event i at t0 + i / rate, without waiting for earlier sends (many independent
 * senders, as behind a gateway); the publisher's own back-pressure bounds what waits.
 */
async function generate(
  publisher: EventPublisher,
  topic: string,
  ledger: Ledger,
  settings: ChainSettings,
  filler: string,
): Promise<{ generatorMaxLagMs: number; publishFailures: number }> {
  const intervalMs = 1_000 / settings.rate;
  const t0 = epochNow() + 10;
  let outstanding = 0;
  let publishFailures = 0;
  let generatorMaxLagMs = 0;
  let i = 0;
  while (i < ledger.total) {
    const now = epochNow();
    while (i < ledger.total && t0 + i * intervalMs <= now) {
      const scheduledAt = t0 + i * intervalMs;
      generatorMaxLagMs = Math.max(generatorMaxLagMs, now - scheduledAt);
      const event = benchEvent(i, filler, { scheduledAt });
      ledger.ids.set(event.id, i);
      ledger.scheduled[i] = scheduledAt;
      outstanding++;
      void publisher.publish(topic, event).then(
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

/** Percentiles of end[i] - start[i] over the events that have both. */
function segment(end: Float64Array, start: Float64Array): Segment {
  const values: number[] = [];
  for (let i = 0; i < end.length; i++) {
    const value = (end[i] as number) - (start[i] as number);
    if (!Number.isNaN(value)) values.push(value);
  }
  const sorted = Float64Array.from(values).sort();
  return {
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
    events: sorted.length,
  };
}
