/**
 * Router throughput: how fast a router process drains a pre-filled input of catalogue
 * events, every forward and its input offset committed in one transaction.
 *
 * Variants, each a fresh process on the same input (run in turn, rotating which goes first):
 * - `router`: the router as deployed (`apps/router/dist/main.js`), the shipped default rules;
 * - `baseline`: router-baseline.ts, kafkajs written the obvious way with the same rules as code;
 * - `rules10`, `rules1000`: the router on generated files of 10 and 1,000 rules (the default
 *   rules last, behind rules on other types; rule-files.ts).
 *
 * Measured from outside: the group's committed offsets on the input, polled every 20 ms. A
 * process's start (Node, telemetry, connecting, joining, fencing its transactional ids) is not
 * the router's throughput, so the clock runs from the first poll that sees a commit to the
 * poll that sees the whole input committed: events/s = (input − first commit) / that time.
 * The process's CPU time over the same window, per event, is the steadier figure on a shared
 * machine. The router's group name is fixed by its topic prefix, so it is deleted after each
 * router run (the next one starts from the beginning again).
 */
import { join } from 'node:path';
import type { BenchKafka } from '../messaging/bench-kafka';
import { stopWithin, waitUntil, withDeadline } from '../messaging/deadline';
import { median, medianRatio } from '../messaging/percentiles';
import { progress } from '../messaging/progress';
import { target, type Target } from '../messaging/target';
import { catalogueEvent } from './catalogue-events';
import { cpuSeconds, spawnBenchScript, spawnService, type BenchProcess } from './child-process';
import { writeRuleFile } from './rule-files';

export const ROUTER_VARIANTS = ['router', 'baseline', 'rules10', 'rules1000'] as const;
export type RouterVariant = (typeof ROUTER_VARIANTS)[number];

export const ROUTER_TARGET_RATIO = 0.9;
export const RULES_TARGET_RATIO = 0.8;

export interface RouterSettings {
  events: number;
  /** Deadline of one run, from the process's start. */
  seconds: number;
  repeat: number;
  warmup: number;
  partitions: number;
  variants: readonly RouterVariant[];
  /** Extra environment for the router processes (experiments: NODE_OPTIONS=--cpu-prof, …); empty as shipped. */
  routerEnv: Record<string, string>;
  /** Where rule files and log files go. */
  workDir: string;
}

export interface RouterRun {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** The process's CPU time over the window, per event. */
  cpuMicrosPerEvent: number;
  /** From the process's start to the last commit (start-up included). */
  totalSeconds: number;
}

export interface RouterVariantResult {
  runs: RouterRun[];
  medianEventsPerSecond: number;
  medianCpuMicrosPerEvent: number;
  error?: string;
}

export interface RouterResult {
  events: number;
  variants: Record<RouterVariant, RouterVariantResult>;
  /** Median over repetitions of router / baseline. */
  ratioRouterToBaseline: number;
  /** Median over repetitions of rules1000 / rules10. */
  ratioRules1000To10: number;
  targets: { router: Target; rules: Target };
}

export async function measureRouterThroughput(bench: BenchKafka, settings: RouterSettings): Promise<RouterResult> {
  const prefix = bench.name('router-');
  const input = `${prefix}ingress.webhook`;
  const outputs = ['agent.invoice', 'agent.email', 'agent.document', 'agent.sync', 'events.unrouted'];
  await bench.createTopics(
    [
      input,
      `${input}.dlq`,
      ...['ingress.file', 'ingress.cdc', 'events.domain'].flatMap((topic) => [
        `${prefix}${topic}`,
        `${prefix}${topic}.dlq`,
      ]),
      ...outputs.map((topic) => `${prefix}${topic}`),
    ],
    settings.partitions,
  );
  await prefill(bench, input, settings.events);
  const inputEnd = await bench.highWatermarkTotal(input);
  progress(`router: input pre-filled with ${inputEnd} catalogue events`);
  const ruleFiles: Partial<Record<RouterVariant, string>> = {
    rules10: await writeRuleFile(settings.workDir, 10),
    rules1000: await writeRuleFile(settings.workDir, 1_000),
  };

  const runs: Record<RouterVariant, RouterRun[]> = { router: [], baseline: [], rules10: [], rules1000: [] };
  const errors: Partial<Record<RouterVariant, string>> = {};
  for (let rep = -settings.warmup; rep < settings.repeat; rep++) {
    const label = rep < 0 ? `warm-up ${rep + settings.warmup + 1}/${settings.warmup}` : `${rep + 1}/${settings.repeat}`;
    const shift = (rep + settings.warmup) % settings.variants.length;
    for (const variant of [...settings.variants.slice(shift), ...settings.variants.slice(0, shift)]) {
      if (errors[variant] !== undefined) continue;
      try {
        const run = await routerRun(
          bench,
          { variant, prefix, input, inputEnd, rep, ruleFile: ruleFiles[variant] },
          settings,
        );
        if (rep >= 0) runs[variant].push(run);
        progress(
          `router ${label} ${variant}: ${Math.round(run.eventsPerSecond)} ev/s over ${run.events} events (${run.seconds.toFixed(2)} s; process CPU ${Math.round(run.cpuMicrosPerEvent)} µs/event; ${run.totalSeconds.toFixed(1)} s from spawn)`,
        );
      } catch (error) {
        errors[variant] = `repetition ${label}: ${(error as Error).message}`;
        progress(`router ${label} ${variant}: FAILED ${(error as Error).message}`);
      }
    }
  }
  const rates = (variant: RouterVariant) => runs[variant].map((run) => run.eventsPerSecond);
  const summary = (variant: RouterVariant): RouterVariantResult => ({
    runs: runs[variant],
    medianEventsPerSecond: median(rates(variant)),
    medianCpuMicrosPerEvent: median(runs[variant].map((run) => run.cpuMicrosPerEvent)),
    ...(errors[variant] === undefined ? {} : { error: errors[variant] }),
  });
  const ratioRouterToBaseline = medianRatio(rates('router'), rates('baseline'));
  const ratioRules1000To10 = medianRatio(rates('rules1000'), rates('rules10'));
  return {
    events: inputEnd,
    variants: {
      router: summary('router'),
      baseline: summary('baseline'),
      rules10: summary('rules10'),
      rules1000: summary('rules1000'),
    },
    ratioRouterToBaseline,
    ratioRules1000To10,
    targets: {
      router: target(
        `router (default rules) >= ${ROUTER_TARGET_RATIO}x hand-written kafkajs router, events/s`,
        ratioRouterToBaseline,
        '>=',
        ROUTER_TARGET_RATIO,
      ),
      rules: target(
        `router with 1,000 rules >= ${RULES_TARGET_RATIO}x with 10 rules, events/s`,
        ratioRules1000To10,
        '>=',
        RULES_TARGET_RATIO,
      ),
    },
  };
}

/** Writes the input once through the runtime's publisher (not timed). */
async function prefill(bench: BenchKafka, topic: string, events: number): Promise<void> {
  const publisher = bench.messaging.createPublisher();
  await withDeadline(publisher.start(), 15_000, 'start the prefill publisher');
  try {
    let next = 0;
    const caller = async (): Promise<void> => {
      while (next < events) await publisher.publish(topic, catalogueEvent(next++));
    };
    await withDeadline(Promise.all(Array.from({ length: 100 }, caller)), 120_000, `prefill ${events} events`);
  } finally {
    await stopWithin(() => publisher.stop(), 15_000, 'stop the prefill publisher');
  }
}

interface RunSpec {
  variant: RouterVariant;
  prefix: string;
  input: string;
  inputEnd: number;
  rep: number;
  ruleFile: string | undefined;
}

async function routerRun(bench: BenchKafka, spec: RunSpec, settings: RouterSettings): Promise<RouterRun> {
  const { variant, prefix, input } = spec;
  const baseline = variant === 'baseline';
  const groupId = baseline
    ? bench.name(`router-baseline-${spec.rep < 0 ? `w${-spec.rep}` : spec.rep}`)
    : `${prefix}router`;
  const label = `${variant}-${spec.rep < 0 ? `w${-spec.rep}` : spec.rep}`;
  const started = performance.now();
  const child: BenchProcess = baseline
    ? await spawnBenchScript(
        'router-baseline.ts',
        {
          KAFKA_BROKERS: bench.brokers.join(','),
          KAFKAJS_NO_PARTITIONER_WARNING: '1',
          BENCH_INPUT_TOPIC: input,
          BENCH_TOPIC_PREFIX: prefix,
          BENCH_GROUP: groupId,
        },
        settings.workDir,
        label,
      )
    : await spawnService(
        'router',
        {
          KAFKA_BROKERS: bench.brokers.join(','),
          FLOWLINE_TOPIC_PREFIX: prefix,
          KAFKA_TOPIC_PARTITIONS: String(settings.partitions),
          ...(spec.ruleFile === undefined ? {} : { ROUTER_RULES_FILE: spec.ruleFile }),
          ...settings.routerEnv,
        },
        settings.workDir,
        label,
      );
  try {
    let first: { at: number; committed: number; cpu: number } | undefined;
    let last = { at: 0, committed: 0, cpu: 0 };
    await waitUntil(
      async () => {
        if (!child.running())
          throw new Error(`${label} exited before committing the input; see ${join(child.logFile)}`);
        const committed = await bench.committedTotal(groupId, input);
        const at = performance.now();
        if (committed > 0 && first === undefined) first = { at, committed, cpu: cpuSeconds(child.pid) };
        last = { at, committed, cpu: cpuSeconds(child.pid) };
        return committed >= spec.inputEnd;
      },
      started + settings.seconds * 1_000,
      20,
      `${label} committing all ${spec.inputEnd} input events`,
    );
    const window = first ?? last;
    const events = spec.inputEnd - window.committed;
    const seconds = (last.at - window.at) / 1_000;
    return {
      events,
      seconds,
      // The whole input in the first poll that saw a commit: too fast to measure this way.
      eventsPerSecond: events > 0 && seconds > 0 ? events / seconds : Number.NaN,
      cpuMicrosPerEvent: events > 0 ? ((last.cpu - window.cpu) * 1e6) / events : Number.NaN,
      totalSeconds: (last.at - started) / 1_000,
    };
  } finally {
    await stopWithin(() => child.stop(), 30_000, `stop ${label}`);
    // The router's group is the same for every router run: delete it, so the next run reads the input from the start.
    if (!baseline) await deleteGroup(bench, groupId);
  }
}

async function deleteGroup(bench: BenchKafka, groupId: string): Promise<void> {
  await waitUntil(
    () =>
      bench.deleteGroup(groupId).then(
        () => true,
        () => false,
      ),
    performance.now() + 30_000,
    200,
    `delete the group ${groupId} (it must be empty first)`,
  );
}
