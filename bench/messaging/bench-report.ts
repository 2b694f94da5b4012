/**
 * What a bench run hands back: a table for people and one JSON line (also written to a file)
 * for machines. Figures are printed as measured; a target is "met" or "missed", and a phase
 * that failed reports its error and counts as missed.
 */
import {
  HostState,
  ms,
  num,
  ratio,
  readHostState,
  readSourceState,
  row,
  SourceState,
  targetLines,
  verdict,
} from '../shared/bench-output';
import type { BenchSettings } from './bench-settings';
import type { LatencyResult, LatencyRun, LatencyVariantResult } from './hop-latency';
import type { PipelineResult, PipelineVariantResult } from './pipeline-throughput';
import type { PublishResult } from './publish-throughput';
import type { Target } from './target';

export type PhaseOutcome<T> = { ok: true; result: T } | { ok: false; error: string };

export interface BenchReport {
  bench: 'messaging';
  runId: string;
  startedAt: string;
  durationSeconds: number;
  host: HostState;
  /** The code measured: libs are read from source, and others may be changing them. */
  source: SourceState;
  settings: BenchSettings;
  publish?: PhaseOutcome<PublishResult>;
  pipeline?: PhaseOutcome<PipelineResult>;
  latency?: PhaseOutcome<LatencyResult>;
  targets: { name: string; rule: string; measured: number | null; met: boolean; error?: string }[];
  allTargetsMet: boolean;
  cleanedUp: { topics: number; groups: number } | { error: string };
}

/** What the messaging bench measures: the runtime and what it builds on. */
const MEASURED_PATHS = ['libs/messaging', 'libs/event-schemas', 'libs/telemetry'];

export function buildReport(
  input: Omit<BenchReport, 'bench' | 'host' | 'source' | 'targets' | 'allTargetsMet'>,
): BenchReport {
  const targets: BenchReport['targets'] = [];
  const add = <T extends { target: Target }>(name: string, outcome: PhaseOutcome<T> | undefined) => {
    if (outcome === undefined) return;
    if (outcome.ok)
      targets.push({
        name,
        rule: outcome.result.target.rule,
        measured: outcome.result.target.measured,
        met: outcome.result.target.met,
      });
    else targets.push({ name, rule: `${name} phase`, measured: null, met: false, error: outcome.error });
  };
  add('publish', input.publish);
  add('pipeline', input.pipeline);
  add('latency', input.latency);
  return {
    bench: 'messaging',
    host: readHostState(),
    source: readSourceState(MEASURED_PATHS),
    ...input,
    targets,
    allTargetsMet: targets.every((t) => t.met),
  };
}

export function renderTable(report: BenchReport): string {
  const lines: string[] = [];
  const s = report.settings;
  lines.push(
    `Flowline messaging bench — run ${report.runId} on ${s.brokers.join(',')}, ${report.host.cpus} CPUs, node ${report.host.node}, repeat ${s.repeat}, ${report.durationSeconds.toFixed(0)} s`,
  );
  lines.push(
    `source ${report.source.commit.slice(0, 12) || 'unknown'}${report.source.uncommittedLibFiles.length > 0 ? ` + ${report.source.uncommittedLibFiles.length} uncommitted lib files` : ''}; load average (1 min) at the end ${report.host.loadAverage1m.toFixed(2)}`,
  );
  lines.push(
    `(runtime options: partitionsConcurrently ${s.partitionsConcurrently ?? 'default'}, publisher maxBatchSize ${s.publisherBatch ?? 'default'}; payload filler ${s.payloadBytes} B)`,
  );
  lines.push(
    s.tracing
      ? 'tracing: OpenTelemetry SDK started, runtime spans recorded (--tracing on)'
      : 'tracing: no OpenTelemetry SDK, runtime spans are no-ops (--tracing off; services run with it on)',
  );
  lines.push(
    s.addedRttMs > 0
      ? `network: every Kafka request delayed ${s.addedRttMs} ms (--added-rtt-ms), as across a network`
      : 'network: loopback as it is (--added-rtt-ms 0)',
  );

  if (report.publish !== undefined) {
    lines.push(
      '',
      `1. Publish throughput — up to ${s.publish.events} events or ${s.publish.seconds} s per run, topic of ${s.partitions} partitions`,
    );
    if (!report.publish.ok) lines.push(`   FAILED: ${report.publish.error}`);
    else {
      const r = report.publish.result;
      lines.push(row(['variant', 'runs (events/s)', 'median events/s']));
      lines.push(
        row([
          `coalescing publisher, ${r.callers} callers`,
          r.coalescing.runs.map((x) => num(x.eventsPerSecond)).join(' | '),
          num(r.coalescing.medianEventsPerSecond),
        ]),
      );
      lines.push(
        row([
          'one-by-one awaited send (baseline)',
          r.oneByOne.runs.map((x) => num(x.eventsPerSecond)).join(' | '),
          num(r.oneByOne.medianEventsPerSecond),
        ]),
      );
      lines.push(`   coalescing / one-by-one = ${ratio(r.ratio)}   ${verdict(r.target)}`);
    }
  }

  if (report.pipeline !== undefined) {
    lines.push(
      '',
      `2. Consume→produce throughput — ${s.pipeline.events} pre-filled events, ${s.partitions} partitions, consumer start → last commit`,
    );
    if (!report.pipeline.ok) lines.push(`   FAILED: ${report.pipeline.error}`);
    else {
      const r = report.pipeline.result;
      lines.push(row(['variant', 'runs (events/s)', 'median events/s']));
      const variant = (label: string, v: PipelineVariantResult) => {
        if (v.runs.length === 0 && v.error === undefined) return lines.push(row([label, '(not run)', '']));
        lines.push(
          row([
            label,
            [...v.runs.map((x) => num(x.eventsPerSecond)), ...(v.error === undefined ? [] : ['FAILED'])].join(' | '),
            num(v.medianEventsPerSecond),
          ]),
        );
        if (v.error !== undefined) lines.push(`      FAILED ${v.error}`);
      };
      variant('runtime, transactional', r.variants.runtimeTransactional);
      variant('runtime, non-transactional', r.variants.runtime);
      variant('bare kafkajs loop (baseline)', r.variants.bare);
      lines.push(`   runtime / bare = ${ratio(r.ratioRuntimeToBare)}   ${verdict(r.target)}`);
      lines.push(`   transactional / bare = ${ratio(r.ratioTransactionalToBare)}   (no target)`);
    }
  }

  if (report.latency !== undefined) {
    lines.push(
      '',
      `3. One-hop latency — ${s.latency.rate} events/s for ${s.latency.seconds} s, ms from each event's scheduled send time`,
    );
    if (!report.latency.ok) lines.push(`   FAILED: ${report.latency.error}`);
    else {
      const r = report.latency.result;
      lines.push(
        row(
          ['variant', 'p50 / p99 / max per run (ms)', 'median p50 / p99 / max', 'missing', 'gen. lag max'],
          [36, 58, 26, 8],
        ),
      );
      const variant = (label: string, v: LatencyVariantResult | undefined) =>
        v !== undefined &&
        lines.push(
          row(
            [
              label,
              v.runs.map(triple).join(' | '),
              `${ms(v.medianP50Ms)} / ${ms(v.medianP99Ms)} / ${ms(v.medianMaxMs)}`,
              v.runs.map((x) => x.missing).join('|'),
              v.runs.map((x) => ms(x.generatorMaxLagMs)).join('|'),
            ],
            [36, 58, 26, 8],
          ),
        );
      variant('runtime (createConsumer + publish)', r.variants.runtime);
      variant('naive pipe, await send per message', r.variants.naive);
      variant('floor: no stage (diagnostic)', r.variants.floor);
      lines.push(`   naive p99 / runtime p99 = ${ratio(r.p99NaiveToRuntime)}   ${verdict(r.target)}`);
    }
  }

  lines.push('', 'Targets');
  lines.push(...targetLines(report.targets));
  if ('error' in report.cleanedUp) lines.push(`   (clean-up failed: ${report.cleanedUp.error})`);
  return lines.join('\n');
}

function triple(run: LatencyRun): string {
  return `${ms(run.p50Ms)}/${ms(run.p99Ms)}/${ms(run.maxMs)}`;
}
