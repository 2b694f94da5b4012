/**
 * Debezium's PostgreSQL connector on Kafka Connect standalone, as a JVM of its own.
 *
 * - Connect itself is the Kafka 4.1 distribution's (connect-runtime, connect-json), from the
 *   jars deploy/local already fetched for the broker (.flowline/kafka/libs).
 * - The connector (io.debezium:debezium-connector-postgres 3.6.1.Final and its runtime jars,
 *   Kafka's own excluded) is fetched once with mvn from bench/sources/maven/debezium/pom.xml into
 *   .flowline/bench/debezium/plugins/debezium-postgres, a Connect plugin folder (isolated class
 *   loader), on demand by this bench only.
 * - The worker runs with the settings of Kafka's connect-standalone.properties and
 *   connect-standalone.sh (JSON converter with schemas, offsets flushed every 10 s, the
 *   script's G1 options and heap); "shipped" leaves Debezium's defaults (poll.interval.ms 500,
 *   the producer's linger.ms 5), "tuned" sets poll.interval.ms=5 and the producer's linger.ms=1.
 *
 * Connect logs "Failed to discover Converter … CloudEventsConverter" while scanning the plugin
 * folder: Debezium 3.6's CloudEventsConverter wants a newer JsonConverter than Kafka 4.1's. It
 * is not used here, and the scan goes on.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureMavenJars } from '../../deploy/local/src/maven-jars';
import { progress } from '../messaging/progress';
import { REPO_ROOT } from '../ingress/child-process';

export const KAFKA_LIB_DIR = join(REPO_ROOT, '.flowline', 'kafka', 'libs');
const PLUGIN_DIR = join(REPO_ROOT, '.flowline', 'bench', 'debezium', 'plugins');
const POM = join(REPO_ROOT, 'bench', 'sources', 'maven', 'debezium', 'pom.xml');

/** kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS and connect-standalone.sh's heap. */
const JVM_OPTIONS = [
  '-Xms256m',
  '-Xmx2g',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
];

export interface DebeziumOptions {
  /** Variant label, in file names. */
  label: string;
  tuned: boolean;
  databaseUrl: string;
  brokers: readonly string[];
  /** Debezium's topic.prefix: events go to `<prefix>.<schema>.<table>`. */
  topicPrefix: string;
  table: string;
  slot: string;
  publication: string;
  workDir: string;
}

export interface DebeziumProcess {
  readonly pid: number | undefined;
  readonly logFile: string;
  running(): boolean;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every Connect JVM this bench started that still runs. */
export function killConnect(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** Fetches the connector's jars once (a marker holds the pom's hash, as deploy/local does). */
export async function ensureDebeziumJars(): Promise<void> {
  if (!existsSync(KAFKA_LIB_DIR)) {
    throw new Error(`no Kafka jars in ${KAFKA_LIB_DIR}: run npm run infra:up first (it fetches them)`);
  }
  const outcome = await ensureMavenJars(
    { name: 'debezium-postgres', pom: POM, libDir: join(PLUGIN_DIR, 'debezium-postgres') },
    progress,
  );
  if (outcome === 'fetched') progress('debezium: connector jars fetched');
}

export function debeziumTopic(options: Pick<DebeziumOptions, 'topicPrefix' | 'table'>): string {
  return `${options.topicPrefix}.public.${options.table}`;
}

export function startDebezium(options: DebeziumOptions): DebeziumProcess {
  const url = new URL(options.databaseUrl);
  const worker = join(options.workDir, `${options.label}-worker.properties`);
  const connector = join(options.workDir, `${options.label}-connector.properties`);
  const lines = (entries: Record<string, string | number>): string =>
    Object.entries(entries)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n') + '\n';
  writeFileSync(
    worker,
    lines({
      'bootstrap.servers': options.brokers.join(','),
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'true',
      'value.converter.schemas.enable': 'true',
      'offset.storage.file.filename': join(options.workDir, `${options.label}.offsets`),
      'offset.flush.interval.ms': 10_000,
      'plugin.path': PLUGIN_DIR,
      // Its REST API on a port of its own choosing (0: any free one), loopback only.
      listeners: 'http://127.0.0.1:0',
      ...(options.tuned ? { 'producer.linger.ms': 1 } : {}),
    }),
  );
  writeFileSync(
    connector,
    lines({
      name: options.label,
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': 1,
      'plugin.name': 'pgoutput',
      'database.hostname': url.hostname,
      'database.port': url.port || '5432',
      'database.user': decodeURIComponent(url.username || 'postgres'),
      ...(url.password === '' ? {} : { 'database.password': decodeURIComponent(url.password) }),
      'database.dbname': url.pathname.slice(1),
      'topic.prefix': options.topicPrefix,
      'table.include.list': `public.${options.table}`,
      'slot.name': options.slot,
      'publication.name': options.publication,
      'publication.autocreate.mode': 'filtered',
      // Stream from now on: the bench's rows are all written after the connector streams.
      'snapshot.mode': 'no_data',
      ...(options.tuned ? { 'poll.interval.ms': 5 } : {}),
    }),
  );
  const logFile = join(options.workDir, `${options.label}.log`);
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      'java',
      [
        ...JVM_OPTIONS,
        `-Dlog4j2.configurationFile=${join(REPO_ROOT, '.flowline', 'kafka', 'log4j2.properties')}`,
        '-cp',
        `${KAFKA_LIB_DIR}/*`,
        'org.apache.kafka.connect.cli.ConnectStandalone',
        worker,
        connector,
      ],
      { cwd: options.workDir, stdio: ['ignore', log, log] },
    );
  } finally {
    closeSync(log);
  }
  live.add(child);
  let code: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (exitCode) => {
      live.delete(child);
      code = exitCode;
      resolve();
    }),
  );
  return {
    pid: child.pid,
    logFile,
    running: () => code === undefined,
    async stop(graceMs = 30_000) {
      if (code !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
