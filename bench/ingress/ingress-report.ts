/**
 * The ingress bench's table and JSON line. Figures are printed as measured; a target is met
 * or missed, and a phase that failed reports its error and counts as missed.
 */
import type { PhaseOutcome } from '../messaging/bench-report';
import type { Target } from '../messaging/target';
import {
  type HostState,
  ms,
  num,
  ratio,
  readHostState,
  readSourceState,
  row,
  type SourceState,
  targetLines,
  verdict,
} from '../shared/bench-output';
import type { ChainResult, Segment } from './chain-latency';
import type { GatewayResult } from './gateway-throughput';
import type { IngressSettings } from './ingress-settings';
import type { RouterResult, RouterVariantResult } from './router-throughput';

/** What the ingress bench measures: the three apps and the libs under them. */
const MEASURED_PATHS = [
  'apps/webhook-gateway',
  'apps/router',
  'apps/document-agent',
  'libs/messaging',
  'libs/routing-rules',
  'libs/webhooks',
  'libs/event-schemas',
  'libs/service-runtime',
  'libs/telemetry',
];

export interface IngressReport {
  bench: 'ingress';
  runId: string;
  startedAt: string;
  durationSeconds: number;
  host: HostState;
  source: SourceState;
  settings: IngressSettings;
  gateway?: PhaseOutcome<GatewayResult>;
  router?: PhaseOutcome<RouterResult>;
  chain?: PhaseOutcome<ChainResult>;
  targets: { name: string; rule: string; measured: number | null; met: boolean; error?: string }[];
  allTargetsMet: boolean;
  cleanedUp: { topics: number; groups: number } | { error: string };
}

export function buildReport(
  input: Omit<IngressReport, 'bench' | 'host' | 'source' | 'targets' | 'allTargetsMet'>,
): IngressReport {
  const targets: IngressReport['targets'] = [];
  const add = <T>(name: string, outcome: PhaseOutcome<T> | undefined, pick: (result: T) => Target[]) => {
    if (outcome === undefined) return;
    if (!outcome.ok) {
      targets.push({ name, rule: `${name} phase`, measured: null, met: false, error: outcome.error });
      return;
    }
    for (const t of pick(outcome.result)) targets.push({ name, rule: t.rule, measured: t.measured, met: t.met });
  };
  add('gateway', input.gateway, (r) => [r.targets.throughput, r.targets.latency]);
  add('router', input.router, (r) => [r.targets.router, r.targets.rules]);
  add('chain', input.chain, (r) => [r.target]);
  return {
    bench: 'ingress',
    host: readHostState(),
    source: readSourceState(MEASURED_PATHS),
    ...input,
    targets,
    allTargetsMet: targets.every((t) => t.met),
  };
}

export function renderTable(report: IngressReport): string {
  const s = report.settings;
  const lines: string[] = [
    `Flowline ingress bench — run ${report.runId} on ${s.brokers.join(',')}, ${report.host.cpus} CPUs, node ${report.host.node}, repeat ${s.repeat}, ${report.durationSeconds.toFixed(0)} s`,
    `source ${report.source.commit.slice(0, 12) || 'unknown'}${report.source.uncommittedLibFiles.length > 0 ? ` + ${report.source.uncommittedLibFiles.length} uncommitted files` : ''}; load average (1 min) at the end ${report.host.loadAverage1m.toFixed(2)} (a shared machine: other work runs beside the bench)`,
    'services run as deployed: node apps/<app>/dist/main.js, one process each, tracing SDK on, LOG_LEVEL info',
  ];

  if (report.gateway !== undefined) {
    lines.push(
      '',
      `1. Webhook gateway — autocannon, ${s.gateway.connections} connections, ${s.gateway.seconds} s per run, ${s.gateway.bodyBytes} B Standard-Webhooks bodies each signed with a fresh webhook-id`,
    );
    if (!report.gateway.ok) lines.push(`   FAILED: ${report.gateway.error}`);
    else {
      const r = report.gateway.result;
      lines.push(row(['variant', 'runs (req/s accepted)', 'median req/s', 'server CPU µs/req'], [46, 28, 14]));
      const labels: Record<string, string> = {
        gateway: 'gateway (dedupe in PostgreSQL)',
        baseline: 'express + verify + awaited send (baseline)',
        ceiling: 'express 202, no Kafka (ceiling)',
        gatewayNoDedupe: 'gateway, no delivery id (no dedupe)',
        gatewayUntraced: 'gateway, OTEL_SDK_DISABLED',
      };
      for (const [variant, v] of Object.entries(r.throughput)) {
        lines.push(
          row(
            [
              labels[variant] ?? variant,
              v.runs.map((x) => num(x.requestsPerSecond)).join(' | ') + (v.error === undefined ? '' : ' | FAILED'),
              num(v.medianRequestsPerSecond),
              v.runs.map((x) => num(x.cpuMicrosPerRequest)).join(' | '),
            ],
            [46, 28, 14],
          ),
        );
        if (v.error !== undefined) lines.push(`      FAILED ${v.error}`);
        const refused = v.runs.reduce((sum, x) => sum + x.non2xx + x.errors, 0);
        if (refused > 0) lines.push(`      (${refused} requests answered non-2xx or failed; not counted)`);
      }
      lines.push(`   gateway / baseline = ${ratio(r.ratioGatewayToBaseline)}   ${verdict(r.targets.throughput)}`);
      lines.push(`   gateway / ceiling = ${ratio(r.ratioGatewayToCeiling)}   (no target)`);
      lines.push(
        row(
          ['at a fixed rate', 'p50 / p99 / max per run (ms)', 'median p50 / p99 / max', 'accepted req/s'],
          [52, 40, 26],
        ),
      );
      for (const [variant, v] of Object.entries(r.latency)) {
        lines.push(
          row(
            [
              `${labels[variant] ?? variant} @ ${s.gateway.rate}/s`,
              v.runs.map((x) => `${x.p50Ms}/${x.p99Ms}/${x.maxMs}`).join(' | ') +
                (v.error === undefined ? '' : ' | FAILED'),
              `${ms(v.medianP50Ms)} / ${ms(v.medianP99Ms)} / ${ms(v.medianMaxMs)}`,
              v.runs.map((x) => num(x.achievedRate)).join(' | '),
            ],
            [52, 40, 26],
          ),
        );
        if (v.error !== undefined) lines.push(`      FAILED ${v.error}`);
      }
      lines.push(`   ${verdict(r.targets.latency)}`);
    }
  }

  if (report.router !== undefined) {
    lines.push(
      '',
      `2. Router — ${s.router.events} pre-filled catalogue events, ${s.partitions} partitions, transactional; first commit → last commit, from outside`,
    );
    if (!report.router.ok) lines.push(`   FAILED: ${report.router.error}`);
    else {
      const r = report.router.result;
      lines.push(row(['variant', 'runs (events/s)', 'median events/s', 'CPU µs/event'], [46, 28, 16]));
      const variant = (label: string, v: RouterVariantResult) => {
        if (v.runs.length === 0 && v.error === undefined) return;
        lines.push(
          row(
            [
              label,
              v.runs.map((x) => num(x.eventsPerSecond)).join(' | ') + (v.error === undefined ? '' : ' | FAILED'),
              num(v.medianEventsPerSecond),
              num(v.medianCpuMicrosPerEvent),
            ],
            [46, 28, 16],
          ),
        );
        if (v.error !== undefined) lines.push(`      FAILED ${v.error}`);
      };
      variant('router, default rules (5)', r.variants.router);
      variant('hand-written kafkajs router (baseline)', r.variants.baseline);
      variant('router, 10 rules', r.variants.rules10);
      variant('router, 1,000 rules', r.variants.rules1000);
      lines.push(`   router / baseline = ${ratio(r.ratioRouterToBaseline)}   ${verdict(r.targets.router)}`);
      lines.push(`   1,000 rules / 10 rules = ${ratio(r.ratioRules1000To10)}   ${verdict(r.targets.rules)}`);
    }
  }

  if (report.chain !== undefined) {
    lines.push(
      '',
      `3. Chain latency, deployed form — ingress.webhook → router → document-agent → events.domain at ${s.chain.rate} events/s for ${s.chain.seconds} s, ms from each event's scheduled send time`,
    );
    if (Object.keys(s.chain.stageEnv).length > 0)
      lines.push(
        `   (stages run with ${Object.entries(s.chain.stageEnv)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')})`,
      );
    if (!report.chain.ok) lines.push(`   FAILED: ${report.chain.error}`);
    else {
      const r = report.chain.result;
      const widths = [44, 40];
      lines.push(row(['', ...r.runs.map((_, i) => `run ${i + 1}`)], [44, ...r.runs.map(() => 22)]));
      const perRun = (label: string, cell: (run: ChainResult['runs'][number]) => string) =>
        lines.push(row([label, ...r.runs.map(cell)], [44, ...r.runs.map(() => 22)]));
      const seg = (x: Segment) => `${ms(x.p50Ms)} / ${ms(x.p99Ms)}`;
      perRun('delivered / sent (duplicates)', (x) => `${x.delivered}/${x.sent} (${x.duplicates})`);
      perRun('two hops p50 / p99 / max', (x) => `${ms(x.p50Ms)}/${ms(x.p99Ms)}/${ms(x.maxMs)}`);
      perRun('where the time goes, p50 / p99:', () => '');
      perRun('  floor: no stage (observer of ingress)', (x) => seg(x.segments.floorNoStage));
      perRun('  scheduled → router produces', (x) => seg(x.segments.scheduledToRouterProduce));
      perRun('  router produces → agent produces', (x) => seg(x.segments.routerProduceToAgentProduce));
      perRun('  agent produces → out (committed, read)', (x) => seg(x.segments.agentProduceToOut));
      perRun('  router produces → visible downstream', (x) => seg(x.segments.routerProduceToVisible));
      perRun('  one hop (router) from scheduled', (x) => seg(x.segments.oneHopRouterVisible));
      perRun('cores used: router/agent/broker/bench', (x) =>
        [x.coresUsed.router, x.coresUsed.documentAgent, x.coresUsed.broker, x.coresUsed.bench]
          .map((c) => c.toFixed(2))
          .join('/'),
      );
      perRun(`whole machine, cores busy of ${report.host.cpus}`, (x) => x.coresUsed.wholeMachine.toFixed(2));
      perRun('generator lag max (ms)', (x) => ms(x.generatorMaxLagMs));
      perRun('stage warnings (router/agent)', (x) => `${x.logs.router.warnings}/${x.logs.documentAgent.warnings}`);
      const kafkaErrors = new Set(
        r.runs.flatMap((x) => [
          ...Object.keys(x.logs.router.kafkaErrors),
          ...Object.keys(x.logs.documentAgent.kafkaErrors),
        ]),
      );
      for (const error of kafkaErrors) lines.push(`   Kafka error responses in the stages' logs: ${error}`);
      lines.push(
        row(
          ['median two hops p50 / p99 / max', `${ms(r.medianP50Ms)} / ${ms(r.medianP99Ms)} / ${ms(r.medianMaxMs)}`],
          widths,
        ),
      );
      lines.push(`   ${verdict(r.target)}`);
    }
  }

  lines.push('', 'Targets', ...targetLines(report.targets));
  if ('error' in report.cleanedUp) lines.push(`   (clean-up failed: ${report.cleanedUp.error})`);
  return lines.join('\n');
}
