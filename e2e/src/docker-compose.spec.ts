// Static checks of the container stack: docker-compose.yml, deploy/Dockerfile and the
// observability config it mounts. No Docker engine is needed; the files are parsed.
// The list of apps comes from the filesystem (apps/*), so a new app without a compose
// service, a Prometheus target or the connection variables fails here.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { deployableApps, OPERATOR_COMMANDS } from '@flowline/testing';

const repoRoot = path.resolve(__dirname, '../..');

/** The connection settings every service, test and deploy/local share (the contract). */
const CONNECTION_VARIABLES = ['KAFKA_BROKERS', 'DATABASE_URL', 'MONGODB_URL', 'AMQP_URL'] as const;

const INFRASTRUCTURE = [
  'kafka',
  'postgres',
  'mongo',
  'rabbitmq',
  'otel-collector',
  'jaeger',
  'prometheus',
  'alertmanager',
  'grafana',
] as const;

const DOCKERFILE = 'deploy/Dockerfile';

interface ComposeHealthcheck {
  test?: string | string[];
  disable?: boolean;
}

interface ComposeBuild {
  context?: string;
  dockerfile?: string;
  args?: Record<string, string> | string[];
}

interface ComposeVolumeLong {
  type?: string;
  source?: string;
  target?: string;
}

interface ComposeService {
  image?: string;
  build?: string | ComposeBuild;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: ComposeHealthcheck;
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | ComposeVolumeLong)[];
  profiles?: string[];
  restart?: string;
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

interface PrometheusConfig {
  rule_files?: string[];
  alerting?: { alertmanagers?: { static_configs?: { targets?: string[] }[] }[] };
  scrape_configs?: { job_name: string; static_configs?: { targets?: string[] }[] }[];
}

interface AlertmanagerRoute {
  receiver?: string;
  group_by?: string[];
  matchers?: string[];
  routes?: AlertmanagerRoute[];
}

interface AlertmanagerConfig {
  route?: AlertmanagerRoute;
  receivers?: { name: string; webhook_configs?: { url?: string; url_file?: string; send_resolved?: boolean }[] }[];
  inhibit_rules?: { source_matchers?: string[]; target_matchers?: string[]; equal?: string[] }[];
}

interface AlertRules {
  groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[];
}

function readYaml<T>(relativePath: string): T {
  // merge: true resolves the `<<: *app` keys docker compose understands.
  return parse(readFileSync(path.join(repoRoot, relativePath), 'utf8'), { merge: true }) as T;
}

function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at === -1 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value == null ? '' : String(value)]));
}

function buildArgsOf(build: ComposeBuild): Record<string, string> {
  const args = build.args ?? {};
  if (Array.isArray(args)) {
    return Object.fromEntries(
      args.map((entry): [string, string] => {
        const at = entry.indexOf('=');
        return at === -1 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return args;
}

function commandText(service: ComposeService): string {
  const command = service.command ?? '';
  return Array.isArray(command) ? command.join(' ') : command;
}

function hasHealthcheck(service: ComposeService): boolean {
  const test = service.healthcheck?.test;
  if (service.healthcheck?.disable === true || test === undefined || test.length === 0) return false;
  return Array.isArray(test) ? test[0] !== 'NONE' : test !== 'NONE';
}

/** The host part of each connection setting, e.g. `kafka` in `kafka:9092` or `postgres://…@postgres:5432/…`. */
function hostsOf(variable: string, value: string): string[] {
  if (variable === 'KAFKA_BROKERS') return value.split(',').map((broker) => broker.trim().split(':')[0] ?? '');
  return [new URL(value).hostname];
}

/** The value of a `--flag=value` in a service's command. */
function flagOf(service: ComposeService, flag: string): string | undefined {
  const command = Array.isArray(service.command) ? service.command : commandText(service).split(/\s+/);
  return command.find((argument) => argument.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

/** Where a service mounts a repository file: container path by repository path (short syntax). */
function repoFileMounts(service: ComposeService): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    if (typeof volume !== 'string') continue;
    const [source, target] = volume.split(':');
    if (source !== undefined && target !== undefined && source.startsWith('./'))
      mounts.set(path.normalize(source), target);
  }
  return mounts;
}

/** Host paths a service mounts from the repository (relative bind mounts). */
function repoMountsOf(service: ComposeService): string[] {
  return (service.volumes ?? [])
    .map((volume) =>
      typeof volume === 'string' ? volume.split(':')[0] : volume.type === 'bind' ? volume.source : undefined,
    )
    .filter(
      (source): source is string => source !== undefined && (source.startsWith('./') || source.startsWith('../')),
    );
}

/** Named volumes a service uses (sources that are neither paths nor anonymous). */
function namedVolumesOf(service: ComposeService): string[] {
  return (service.volumes ?? [])
    .map((volume) => {
      if (typeof volume !== 'string') return volume.type === 'volume' ? volume.source : undefined;
      const parts = volume.split(':');
      return parts.length > 1 ? parts[0] : undefined;
    })
    .filter((source): source is string => source !== undefined && !/^[./~]/.test(source));
}

const compose = readYaml<ComposeFile>('docker-compose.yml');
const services = compose.services;
const apps = deployableApps(repoRoot);

/** The compose service that builds an app: deploy/Dockerfile with build arg APP = the app. */
function serviceNameFor(app: string): string | undefined {
  return Object.entries(services).find(([, service]) => {
    const build = service.build;
    return typeof build === 'object' && buildArgsOf(build).APP === app;
  })?.[0];
}

describe('docker-compose.yml', () => {
  it('finds the deployable apps under apps/', () => {
    expect(apps.length).toBeGreaterThan(0);
  });

  if (apps.length > 0) {
    describe.each(apps)('app %s', (app) => {
      const name = serviceNameFor(app);
      const service = name === undefined ? undefined : services[name];

      it('has a service built from deploy/Dockerfile with APP set to the app name', () => {
        expect(service).toBeDefined();
        const build = service?.build as ComposeBuild;
        expect(build.dockerfile).toBe(DOCKERFILE);
        expect(path.resolve(repoRoot, build.context ?? '.')).toBe(repoRoot);
      });

      it('runs under the same service name as the app, so Prometheus and OTEL_SERVICE_NAME match it', () => {
        expect(name).toBe(app);
        expect(environmentOf(service ?? {}).OTEL_SERVICE_NAME).toBe(app);
      });

      it('has a health check against its /healthz', () => {
        expect(hasHealthcheck(service ?? {})).toBe(true);
        expect(JSON.stringify(service?.healthcheck?.test)).toContain('/healthz');
      });

      it('gets every connection variable, pointing at compose services', () => {
        const env = environmentOf(service ?? {});
        for (const variable of CONNECTION_VARIABLES) {
          expect({ variable, defined: (env[variable] ?? '') !== '' }).toEqual({ variable, defined: true });
          for (const host of hostsOf(variable, env[variable] ?? '')) {
            expect({ variable, host, isService: host in services }).toEqual({ variable, host, isService: true });
          }
        }
      });

      it('sets PORT and sends telemetry to the collector', () => {
        const env = environmentOf(service ?? {});
        expect(env.PORT).toMatch(/^\d+$/);
        expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
      });

      it('starts only after its infrastructure is healthy, Kafka included', () => {
        const dependsOn = service?.depends_on;
        expect(dependsOn).toBeDefined();
        expect(Array.isArray(dependsOn)).toBe(false);
        const conditions = dependsOn as Record<string, { condition?: string }>;
        expect(conditions.kafka?.condition).toBe('service_healthy');
        for (const [dependency, { condition }] of Object.entries(conditions)) {
          expect({ dependency, condition, exists: dependency in services }).toEqual({
            dependency,
            condition: 'service_healthy',
            exists: true,
          });
        }
      });

      it('restarts unless stopped and has a stop grace period for draining', () => {
        expect(service?.restart).toBe('unless-stopped');
        expect(service?.stop_grace_period).toBeDefined();
      });
    });
  }

  it('gives every app its own port', () => {
    const ports = apps.map((app) => environmentOf(services[app] ?? {}).PORT);
    expect(new Set(ports).size).toBe(apps.length);
  });

  it('keeps the operator CLI out of the default stack (profile "tools")', () => {
    for (const command of OPERATOR_COMMANDS) {
      const service = services[command];
      if (service !== undefined) expect(service.profiles).toContain('tools');
    }
  });

  it.each(INFRASTRUCTURE)('runs %s from an image with a health check', (name) => {
    const service = services[name];
    expect(service).toBeDefined();
    expect(service?.image).toEqual(expect.any(String));
    expect(hasHealthcheck(service ?? {})).toBe(true);
  });

  it('runs Postgres with wal_level=logical and a flowline database', () => {
    const postgres = services.postgres ?? {};
    expect(commandText(postgres)).toMatch(/wal_level=logical/);
    expect(environmentOf(postgres).POSTGRES_DB).toBe('flowline');
  });

  it('runs Mongo as replica set rs0, matching MONGODB_URL', () => {
    expect(commandText(services.mongo ?? {})).toMatch(/--replSet[ =]rs0\b/);
    expect(JSON.stringify(services.mongo?.healthcheck?.test)).toContain('rs.initiate');
  });

  it('runs Kafka in KRaft mode with topic auto-creation off', () => {
    const env = environmentOf(services.kafka ?? {});
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain('kafka:9092');
  });

  it('mounts only repository files that exist', () => {
    const mounts = Object.values(services).flatMap(repoMountsOf);
    expect(mounts.length).toBeGreaterThan(0);
    for (const mount of mounts) {
      expect({ mount, exists: existsSync(path.resolve(repoRoot, mount)) }).toEqual({ mount, exists: true });
    }
  });

  it('declares every named volume it uses', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const volume of Object.values(services).flatMap(namedVolumesOf)) {
      expect(declared).toContain(volume);
    }
  });

  it('makes every depends_on point at a service', () => {
    for (const [name, service] of Object.entries(services)) {
      const dependencies = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) {
        expect({ name, dependency, exists: dependency in services }).toEqual({ name, dependency, exists: true });
      }
    }
  });
});

describe('deploy/observability/prometheus.yml', () => {
  const prometheus = readYaml<PrometheusConfig>('deploy/observability/prometheus.yml');
  const targets = (prometheus.scrape_configs ?? []).flatMap((job) =>
    (job.static_configs ?? []).flatMap((config) => config.targets ?? []),
  );

  if (apps.length > 0) {
    it.each(apps)("scrapes %s's /metrics on its service name and PORT", (app) => {
      const port = environmentOf(services[app] ?? {}).PORT;
      expect(targets).toContain(`${app}:${port}`);
    });
  }

  it('scrapes the OpenTelemetry collector', () => {
    expect(targets.some((target) => target.startsWith('otel-collector:'))).toBe(true);
  });
});

describe('alerting: Prometheus → Alertmanager', () => {
  const prometheus = readYaml<PrometheusConfig>('deploy/observability/prometheus.yml');
  const alertmanager = readYaml<AlertmanagerConfig>('deploy/observability/alertmanager.yml');
  const rules = readYaml<AlertRules>('deploy/observability/alerts.yml');
  const alertmanagerService = services.alertmanager ?? {};
  const prometheusService = services.prometheus ?? {};

  it('runs Alertmanager from prom/alertmanager with deploy/observability/alertmanager.yml as its config', () => {
    expect(alertmanagerService.image).toMatch(/^prom\/alertmanager:v\d/);
    const configFile = flagOf(alertmanagerService, '--config.file');
    expect(configFile).toBeDefined();
    expect(repoFileMounts(alertmanagerService).get('deploy/observability/alertmanager.yml')).toBe(configFile);
  });

  it('has Prometheus send its alerts to the Alertmanager service, on the port it listens on', () => {
    const targets = (prometheus.alerting?.alertmanagers ?? []).flatMap((manager) =>
      (manager.static_configs ?? []).flatMap((config) => config.targets ?? []),
    );
    // Alertmanager listens on :9093 unless --web.listen-address says otherwise.
    const listen = flagOf(alertmanagerService, '--web.listen-address') ?? ':9093';
    expect(targets).toEqual([`alertmanager${listen.slice(listen.lastIndexOf(':'))}`]);
  });

  it('has Prometheus load alerts.yml, mounted beside its config', () => {
    expect(prometheus.rule_files).toContain('alerts.yml');
    const configFile = flagOf(prometheusService, '--config.file') as string;
    expect(repoFileMounts(prometheusService).get('deploy/observability/alerts.yml')).toBe(
      path.posix.join(path.posix.dirname(configFile), 'alerts.yml'),
    );
    expect(
      rules.groups.flatMap((group) => group.rules).filter((rule) => rule.alert !== undefined).length,
    ).toBeGreaterThan(0);
  });

  it('routes every alert to a defined receiver with a webhook, grouped by alert and service', () => {
    const receivers = new Set((alertmanager.receivers ?? []).map((receiver) => receiver.name));
    const routed: string[] = [];
    const walk = (route: AlertmanagerRoute): void => {
      if (route.receiver !== undefined) routed.push(route.receiver);
      for (const child of route.routes ?? []) walk(child);
    };
    expect(alertmanager.route?.receiver).toBeDefined(); // the root route catches every alert
    walk(alertmanager.route ?? {});
    for (const receiver of routed)
      expect({ receiver, defined: receivers.has(receiver) }).toEqual({ receiver, defined: true });
    const webhooks = (alertmanager.receivers ?? []).flatMap((receiver) => receiver.webhook_configs ?? []);
    expect(webhooks.length).toBeGreaterThan(0);
    for (const webhook of webhooks) expect(webhook.url ?? webhook.url_file).toEqual(expect.any(String));
    expect(alertmanager.route?.group_by).toEqual(expect.arrayContaining(['alertname', 'service']));
  });

  it('matches only severities and labels the alert rules set', () => {
    const alerts = rules.groups.flatMap((group) => group.rules).filter((rule) => rule.alert !== undefined);
    const severities = new Set(alerts.map((rule) => rule.labels?.['severity']));
    const matchers: string[] = [];
    const walk = (route: AlertmanagerRoute): void => {
      matchers.push(...(route.matchers ?? []));
      for (const child of route.routes ?? []) walk(child);
    };
    walk(alertmanager.route ?? {});
    for (const rule of alertmanager.inhibit_rules ?? [])
      matchers.push(...(rule.source_matchers ?? []), ...(rule.target_matchers ?? []));
    expect(matchers.length).toBeGreaterThan(0);
    for (const matcher of matchers) {
      const [, label, value] = /^(\w+)\s*=\s*"([^"]*)"$/.exec(matcher) ?? [];
      expect({ matcher, label }).toEqual({ matcher, label: 'severity' });
      expect({ matcher, known: severities.has(value) }).toEqual({ matcher, known: true });
    }
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(path.join(repoRoot, DOCKERFILE), 'utf8');

  it('takes the app to build as ARG APP', () => {
    expect(dockerfile).toMatch(/^ARG APP\b/m);
  });

  it('declares a HEALTHCHECK and stops on SIGTERM', () => {
    expect(dockerfile).toMatch(/^HEALTHCHECK\s/m);
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
  });

  it('runs as a non-root user', () => {
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((match) => match[1]);
    expect(users.at(-1)).toBeDefined();
    expect(['root', '0']).not.toContain(users.at(-1));
  });

  it('gives every npm ci the patches its postinstall applies, in the production install too', () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.scripts['postinstall']).toBe('patch-package');
    // `npm ci --omit=dev` in the runtime stage runs the postinstall too: patch-package must not be a dev dependency.
    expect(manifest.dependencies['patch-package']).toBeDefined();
    // The npm ci layers are built from the manifests stage's files alone.
    expect(dockerfile).toMatch(/cp -r patches \/manifests\//);
    expect(readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')).not.toMatch(/^\/?patches\/?$/m);
  });

  it('keeps node_modules, dist and local state out of the build context', () => {
    const ignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8');
    for (const pattern of ['node_modules', 'dist', '.flowline', '.nx', '.git']) {
      expect(ignore).toContain(pattern);
    }
  });
});
