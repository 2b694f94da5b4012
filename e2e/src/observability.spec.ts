// Static checks of the observability config docker-compose.yml runs: Prometheus's alert rules,
// the Grafana dashboards and their provisioned datasources. No server is needed. Every PromQL
// expression is parsed with Prometheus's own grammar (@prometheus-io/lezer-promql), and every
// metric it names must be one a Flowline service exposes, taken from the registry
// libs/telemetry builds, so an alert on a misspelt or removed metric fails here instead of
// staying silent in production. When promtool is on PATH it checks the rules and config too.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { createServiceMetrics } from '@flowline/telemetry';

const repoRoot = path.resolve(__dirname, '../..');
const OBSERVABILITY = 'deploy/observability';
const PROMETHEUS_CONFIG = `${OBSERVABILITY}/prometheus.yml`;
const ALERT_RULES = `${OBSERVABILITY}/alerts.yml`;
const DASHBOARDS = `${OBSERVABILITY}/grafana/dashboards`;
const DATASOURCES = `${OBSERVABILITY}/grafana/provisioning/datasources`;
const DASHBOARD_PROVIDERS = `${OBSERVABILITY}/grafana/provisioning/dashboards`;

/** The alerts on-call relies on, with the metric each must be computed from. */
const REQUIRED_ALERTS: Record<string, string> = {
  FlowlineServiceDown: 'up',
  FlowlineConsumerLagGrowing: 'flowline_consumer_lag',
  FlowlineDeadLetterWrites: 'flowline_dlq_writes_total',
  FlowlineHandlerErrorRatioHigh: 'flowline_handler_errors_total',
  FlowlineCdcSlotWalRetained: 'flowline_cdc_slot_retained_wal_bytes',
  FlowlineWebhookEndpointDisabled: 'flowline_webhook_endpoints_disabled_total',
};

const SEVERITIES = ['critical', 'warning', 'info'];

/** The commands `flowline --help` lists (apps/flowline-cli/src/cli.ts); runbooks point at them. */
const CLI_COMMANDS = ['trace', 'tail', 'dlq', 'replay', 'stats', 'rules', 'subscriptions'];

/** Series Prometheus writes itself for every scrape target; everything else comes from the apps. */
const SCRAPE_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added'];

/** What the dashboard must show, by the metric behind it. */
const DASHBOARD_METRICS = [
  'up',
  'flowline_events_produced_total',
  'flowline_events_consumed_total',
  'flowline_handler_duration_seconds_bucket',
  'flowline_handler_errors_total',
  'flowline_dlq_writes_total',
  'flowline_consumer_lag',
  'flowline_cdc_slot_retained_wal_bytes',
];

/** Prometheus's duration syntax, e.g. `5m`, `1h30m`. */
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

interface AlertRule {
  alert?: string;
  record?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleFile {
  groups?: { name: string; rules?: AlertRule[] }[];
}

interface PrometheusConfig {
  rule_files?: string[];
}

interface ComposeService {
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null>;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
}

interface Datasource {
  name: string;
  uid?: string;
  type: string;
  url?: string;
  user?: string;
  jsonData?: { database?: string };
}

interface DataSourceRef {
  type?: string;
  uid?: string;
}

interface Target {
  refId?: string;
  datasource?: DataSourceRef;
  expr?: string;
  rawSql?: string;
}

interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: DataSourceRef;
  targets?: Target[];
  panels?: Panel[];
}

interface Dashboard {
  uid?: string;
  title?: string;
  panels?: Panel[];
  templating?: { list?: { name: string; datasource?: DataSourceRef }[] };
}

function readText(relativePath: string): string {
  return readFileSync(path.join(repoRoot, relativePath), 'utf8');
}

function readYaml<T>(relativePath: string): T {
  return parse(readText(relativePath), { merge: true }) as T;
}

function filesIn(relativeDir: string, pattern: RegExp): string[] {
  return readdirSync(path.join(repoRoot, relativeDir))
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => `${relativeDir}/${name}`);
}

interface ParsedPromQL {
  /** Offsets of the syntax errors the parser recovered from, with the text there. */
  errors: string[];
  metrics: string[];
}

/** Parses PromQL with Prometheus's grammar; returns its syntax errors and the metric names it selects. */
function parsePromQL(expr: string): ParsedPromQL {
  const errors: string[] = [];
  const metrics = new Set<string>();
  if (expr.trim() === '') return { errors: ['empty expression'], metrics: [] };
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError)
        errors.push(`at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.from + 20)}…`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        metrics.add(expr.slice(node.from, node.to));
      }
      // {__name__="metric"}: the name as a label matcher.
      if (node.name === 'UnquotedLabelMatcher') {
        const matcher = /^__name__\s*=\s*"([^"]+)"$/.exec(expr.slice(node.from, node.to));
        if (matcher?.[1] !== undefined) metrics.add(matcher[1]);
      }
    },
  });
  return { errors, metrics: [...metrics].sort() };
}

/**
 * Grafana interpolates its variables before Prometheus sees a query; give the parser what
 * they stand for: a duration for `$__rate_interval` and friends, a name for `$service`.
 */
function withGrafanaVariablesReplaced(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{(\w+)(:\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, 'grafana_variable');
}

/** The series names Prometheus stores for what a service's registry exposes (from its text format). */
async function exposedSeriesNames(): Promise<Set<string>> {
  const text = await createServiceMetrics('observability-spec').registry.metrics();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (name === undefined) continue;
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  // An app's own series (tests may not import apps): the names its *-metrics.ts files declare.
  for (const app of readdirSync(path.join(repoRoot, 'apps'))) {
    const source = path.join(repoRoot, 'apps', app, 'src');
    if (!existsSync(source)) continue;
    for (const file of readdirSync(source).filter((name) => name.endsWith('-metrics.ts'))) {
      for (const [, name] of readFileSync(path.join(source, file), 'utf8').matchAll(/name: '(flowline_\w+)'/g)) {
        if (name !== undefined) names.add(name);
      }
    }
  }
  return names;
}

/** Bind mounts of a compose service as host path (relative to the repo) and container path. */
function mountsOf(service: ComposeService): { source: string; target: string }[] {
  return (service.volumes ?? []).flatMap((volume) => {
    if (typeof volume !== 'string') {
      return volume.type === 'bind' && volume.source !== undefined && volume.target !== undefined
        ? [{ source: path.normalize(volume.source), target: volume.target }]
        : [];
    }
    const [source, target] = volume.split(':');
    return source !== undefined && target !== undefined && /^\.\.?\//.test(source)
      ? [{ source: path.normalize(source), target }]
      : [];
  });
}

/** Where a repository file appears inside a service's container, if a bind mount puts it there. */
function containerPathOf(service: ComposeService, repoFile: string): string | undefined {
  const file = path.normalize(repoFile);
  for (const { source, target } of mountsOf(service)) {
    if (file === source) return target;
    if (file.startsWith(`${source}${path.sep}`))
      return path.posix.join(target, path.relative(source, file).split(path.sep).join('/'));
  }
  return undefined;
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

const compose = readYaml<{ services: Record<string, ComposeService> }>('docker-compose.yml');
const prometheusService = compose.services['prometheus'] ?? {};
const grafanaService = compose.services['grafana'] ?? {};
const rules = (readYaml<RuleFile>(ALERT_RULES).groups ?? []).flatMap((group) => group.rules ?? []);
const alerts = rules.filter((rule): rule is AlertRule & { alert: string } => rule.alert !== undefined);
const datasources = filesIn(DATASOURCES, /\.ya?ml$/).flatMap(
  (file) => readYaml<{ datasources?: Datasource[] }>(file).datasources ?? [],
);
const dashboardFiles = filesIn(DASHBOARDS, /\.json$/);

/** Every panel, rows' nested panels included. */
function panelsOf(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

function dashboard(file: string): Dashboard {
  return JSON.parse(readText(file)) as Dashboard;
}

function prometheusExprsOf(board: Dashboard): { where: string; expr: string }[] {
  return panelsOf(board).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((target) => target.expr !== undefined)
      .map((target) => ({ where: `${panel.title ?? panel.id} / ${target.refId}`, expr: target.expr as string })),
  );
}

describe(`${ALERT_RULES}`, () => {
  it.each(Object.entries(REQUIRED_ALERTS))('defines %s over %s', (name, metric) => {
    const alert = alerts.find((rule) => rule.alert === name);
    expect(alert).toBeDefined();
    expect(parsePromQL(alert?.expr ?? '').metrics).toContain(metric);
  });

  it('names each alert once', () => {
    const names = alerts.map((alert) => alert.alert);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(alerts.map((alert) => [alert.alert, alert] as const))(
    '%s has a for duration, a severity, a summary, a description and a runbook naming a flowline command',
    (_name, alert) => {
      expect(alert.for).toMatch(DURATION);
      expect(SEVERITIES).toContain(alert.labels?.['severity']);
      expect(alert.annotations?.['summary']).toEqual(expect.stringMatching(/\S/));
      expect(alert.annotations?.['description']).toEqual(expect.stringMatching(/\S/));
      const commands = [...(alert.annotations?.['runbook'] ?? '').matchAll(/`flowline (\w+)/g)].map(
        (match) => match[1],
      );
      expect(commands.length).toBeGreaterThan(0);
      for (const command of commands) expect(CLI_COMMANDS).toContain(command);
    },
  );

  it.each(rules.map((rule) => [rule.alert ?? rule.record ?? '(unnamed)', rule.expr ?? ''] as const))(
    '%s: expr is valid PromQL',
    (name, expr) => {
      expect({ name, errors: parsePromQL(expr).errors }).toEqual({ name, errors: [] });
    },
  );

  it('selects only metrics the services expose', async () => {
    const known = await exposedSeriesNames();
    for (const rule of rules) {
      const name = rule.alert ?? rule.record;
      const unknown = parsePromQL(rule.expr ?? '').metrics.filter(
        (metric) => !known.has(metric) && !SCRAPE_SERIES.includes(metric),
      );
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });
});

describe('Prometheus loads the rules', () => {
  const config = readYaml<PrometheusConfig>(PROMETHEUS_CONFIG);
  const ruleFiles = config.rule_files ?? [];
  const configFlag = JSON.stringify(prometheusService.command ?? '').match(/--config\.file=([^",\s]+)/)?.[1];

  it(`lists ${ALERT_RULES} in rule_files (relative to prometheus.yml)`, () => {
    const resolved = ruleFiles.map((file) => path.join(OBSERVABILITY, file));
    expect(resolved).toContain(path.normalize(ALERT_RULES));
  });

  it('mounts every rule file where the mounted prometheus.yml looks for it', () => {
    expect(configFlag).toBeDefined();
    expect(containerPathOf(prometheusService, PROMETHEUS_CONFIG)).toBe(configFlag);
    for (const file of ruleFiles) {
      expect(existsSync(path.join(repoRoot, OBSERVABILITY, file))).toBe(true);
      const expected = path.posix.isAbsolute(file) ? file : path.posix.join(path.posix.dirname(configFlag ?? ''), file);
      expect({ file, mountedAt: containerPathOf(prometheusService, path.join(OBSERVABILITY, file)) }).toEqual({
        file,
        mountedAt: expected,
      });
    }
  });
});

describe('Grafana provisioning', () => {
  const providers = filesIn(DASHBOARD_PROVIDERS, /\.ya?ml$/).flatMap(
    (file) => readYaml<{ providers?: { type?: string; options?: { path?: string } }[] }>(file).providers ?? [],
  );

  it('mounts the provisioning folder where Grafana reads it', () => {
    expect(containerPathOf(grafanaService, DATASOURCES)).toBe('/etc/grafana/provisioning/datasources');
    expect(containerPathOf(grafanaService, DASHBOARD_PROVIDERS)).toBe('/etc/grafana/provisioning/dashboards');
  });

  it('loads every dashboard file through a provider whose path compose mounts', () => {
    const providerPaths = providers
      .filter((provider) => provider.type === 'file')
      .map((provider) => provider.options?.path);
    expect(dashboardFiles.length).toBeGreaterThan(0);
    for (const file of dashboardFiles) {
      const mountedAt = containerPathOf(grafanaService, file);
      expect({
        file,
        loaded: mountedAt !== undefined && providerPaths.includes(path.posix.dirname(mountedAt)),
      }).toEqual({
        file,
        loaded: true,
      });
    }
  });

  it('has a home dashboard that is mounted', () => {
    const home = String(grafanaService.environment?.['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'] ?? '');
    const mounted = dashboardFiles.map((file) => containerPathOf(grafanaService, file));
    expect(mounted).toContain(home);
  });

  it('gives every datasource a unique uid', () => {
    const uids = datasources.map((datasource) => datasource.uid);
    expect(uids.every((uid) => uid !== undefined && uid !== '')).toBe(true);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('points every datasource at a compose service', () => {
    for (const { name, url } of datasources) {
      const host = url === undefined ? undefined : new URL(url.includes('://') ? url : `tcp://${url}`).hostname;
      expect({ name, host, isService: host !== undefined && host in compose.services }).toEqual({
        name,
        host,
        isService: true,
      });
    }
  });

  it("provisions the event store as a PostgreSQL datasource on compose's postgres and its flowline database", () => {
    const postgres = datasources.find((datasource) => /postgres/.test(datasource.type));
    const env = compose.services['postgres']?.environment ?? {};
    expect(postgres?.url).toMatch(/^postgres:\d+$/);
    expect(postgres?.jsonData?.database).toBe(env['POSTGRES_DB']);
    expect(postgres?.user).toBe(env['POSTGRES_USER']);
  });
});

describe.each(dashboardFiles)('dashboard %s', (file) => {
  const board = dashboard(file);
  const panels = panelsOf(board);
  const provisioned = new Map(datasources.map((datasource) => [datasource.uid, datasource.type]));

  /** A panel or query datasource is provisioned with that uid and of that type. */
  const isProvisioned = (ref: DataSourceRef | undefined): boolean =>
    ref?.uid !== undefined &&
    provisioned.has(ref.uid) &&
    (ref.type === undefined || provisioned.get(ref.uid) === ref.type);

  it('has a uid, a title and panels with unique ids', () => {
    expect(board.uid).toEqual(expect.stringMatching(/\S/));
    expect(board.title).toEqual(expect.stringMatching(/\S/));
    const ids = panels.map((panel) => panel.id);
    expect(panels.length).toBeGreaterThan(0);
    expect(ids.every((id) => typeof id === 'number')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('queries only provisioned datasources, in every panel, query and variable', () => {
    for (const panel of panels.filter((candidate) => candidate.type !== 'row')) {
      const where = panel.title ?? panel.id;
      expect({ where, provisioned: isProvisioned(panel.datasource) }).toEqual({ where, provisioned: true });
      for (const target of panel.targets ?? []) {
        if (target.datasource === undefined) continue; // inherits the panel's
        expect({ where, refId: target.refId, provisioned: isProvisioned(target.datasource) }).toEqual({
          where,
          refId: target.refId,
          provisioned: true,
        });
      }
    }
    for (const variable of board.templating?.list ?? []) {
      if (variable.datasource === undefined) continue;
      expect({ variable: variable.name, provisioned: isProvisioned(variable.datasource) }).toEqual({
        variable: variable.name,
        provisioned: true,
      });
    }
  });

  it('has valid PromQL in every Prometheus query', () => {
    for (const { where, expr } of prometheusExprsOf(board)) {
      expect({ where, errors: parsePromQL(withGrafanaVariablesReplaced(expr)).errors }).toEqual({ where, errors: [] });
    }
  });

  it('selects only metrics the services expose', async () => {
    const known = await exposedSeriesNames();
    for (const { where, expr } of prometheusExprsOf(board)) {
      const unknown = parsePromQL(withGrafanaVariablesReplaced(expr)).metrics.filter(
        (metric) => !known.has(metric) && !SCRAPE_SERIES.includes(metric),
      );
      expect({ where, unknown }).toEqual({ where, unknown: [] });
    }
  });

  it('limits every SQL query to the dashboard time range', () => {
    for (const panel of panels) {
      for (const target of (panel.targets ?? []).filter((candidate) => candidate.rawSql !== undefined)) {
        expect({ panel: panel.title, usesTimeFilter: /\$__timeFilter\(/.test(target.rawSql ?? '') }).toEqual({
          panel: panel.title,
          usesTimeFilter: true,
        });
      }
    }
  });
});

describe('the Flowline overview dashboard', () => {
  const board = dashboard(`${DASHBOARDS}/flowline-overview.json`);

  it.each(DASHBOARD_METRICS)('shows %s', (metric) => {
    const shown = prometheusExprsOf(board).flatMap(
      ({ expr }) => parsePromQL(withGrafanaVariablesReplaced(expr)).metrics,
    );
    expect(shown).toContain(metric);
  });

  it('shows hop latency per parent -> child type from event_store.events', () => {
    const sql = panelsOf(board)
      .flatMap((panel) => panel.targets ?? [])
      .map((target) => target.rawSql ?? '')
      .find((rawSql) => /event_store\.events/.test(rawSql));
    expect(sql).toBeDefined();
    expect(sql).toMatch(/causationid/);
    expect(sql).toMatch(/percentile_cont\(0\.99\)/);
  });
});

// promtool also type-checks expressions and validates annotation templates. It is not part of
// the Node toolchain, so these run only where it is installed (e.g. a Prometheus release on PATH).
const promtool = findOnPath('promtool');
if (promtool !== undefined) {
  describe('promtool', () => {
    const run = (...args: string[]) => {
      const result = spawnSync(promtool, args, { cwd: repoRoot, encoding: 'utf8' });
      return { args: args.join(' '), status: result.status, output: `${result.stdout}${result.stderr}` };
    };

    it(`accepts ${ALERT_RULES}`, () => {
      const result = run('check', 'rules', ALERT_RULES);
      expect({ ...result, status: result.status }).toEqual({ ...result, status: 0 });
    });

    it(`accepts ${PROMETHEUS_CONFIG} with its rule files`, () => {
      const result = run('check', 'config', PROMETHEUS_CONFIG);
      expect({ ...result, status: result.status }).toEqual({ ...result, status: 0 });
    });
  });
}
