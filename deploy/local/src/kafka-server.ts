import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InfraError } from './infra-error';
import { deployLocalDir, flowlineDir, logFileOf, pidFileOf } from './infra-layout';
import { kafkaNodeId, renderLog4j2Properties, renderServerProperties, scramCredentialArgument } from './kafka-config';
import { describeKafkaCluster, waitForKafkaReady } from './kafka-readiness';
import type { LocalServer, Log } from './local-server';
import { localKafkaSaslUser, localSettings, loopback, ports } from './local-settings';
import {
  ensureManagedProcess,
  statusOfManagedProcess,
  stopManagedProcess,
  type ManagedProcess,
} from './managed-process';
import { classpathOf, ensureMavenJars } from './maven-jars';
import { lastLines, requireOnPath, runCommand, spawnDetached } from './process-control';

// Apache Kafka 4.1 in KRaft mode, one node acting as broker and controller, run from the Maven
// Central jars with the machine's Java 17. Data survives restarts; the storage is formatted once.

const kafkaDir = path.join(flowlineDir, 'kafka');
export const libDir = path.join(kafkaDir, 'libs');
const dataDir = path.join(kafkaDir, 'data');
const propertiesFile = path.join(kafkaDir, 'server.properties');
const log4jFile = path.join(kafkaDir, 'log4j2.properties');
const brokers = [localSettings.KAFKA_BROKERS];

// A dev broker on a 2-core machine that also runs the test suites, tuned for short pauses: every
// collector pause stalls produce and fetch alike, so it lands in one-hop latency. Measured with
// -Xlog:gc under the latency bench (bench/messaging, 1,000 events/s):
// - G1 in 512 MiB with IHOP 35% (the previous setting) ran a concurrent cycle every ~5 s, because
//   the log cleaner's dedupe buffer alone kept ~130 MiB live (see kafka-config.ts): a 8–13 ms
//   remark pause each time, besides 10–18 ms young pauses.
// - G1 in 1 GiB without that buffer: no concurrent cycles, young pauses still 12–27 ms.
// - Parallel with a fixed 64 MiB young generation: young pauses 4–7 ms every ~2 s; the live set
//   (~80 MiB) stays far below the old generation, so no full collection in a test run.
// Production brokers run G1 with their own heap; this is the local one only.
const jvmOptions = [
  '-Xms1g',
  '-Xmx1g',
  '-Xmn64m',
  '-XX:+UseParallelGC',
  '-Djava.awt.headless=true',
  `-Dlog4j2.configurationFile=${log4jFile}`,
];

const broker: ManagedProcess = {
  label: 'kafka',
  port: ports.kafka,
  pidFile: pidFileOf('kafka'),
  logFile: logFileOf('kafka'),
  markers: ['kafka.Kafka', propertiesFile],
  startTimeoutMs: 120_000,
  // Kafka's controlled shutdown flushes and closes its logs, which avoids log recovery next start.
  stopGraceMs: 30_000,
  probe: () => describeKafkaCluster(brokers),
  waitReady: (options) => waitForKafkaReady(brokers, options),
  spawn: async (log) => {
    requireOnPath('java', 'Kafka runs on the machine’s Java 17');
    writeConfig();
    await formatStorageOnce(log);
    return spawnDetached({
      command: 'java',
      args: [...jvmOptions, '-cp', classpathOf(libDir), 'kafka.Kafka', propertiesFile],
      logFile: logFileOf('kafka'),
      cwd: kafkaDir,
    });
  },
};

export const kafkaServer: LocalServer = {
  name: 'kafka',
  prepare: async (log) => {
    await ensureMavenJars({ name: 'kafka', pom: path.join(deployLocalDir, 'maven/kafka/pom.xml'), libDir }, log);
  },
  ensureRunning: async (log) => {
    await ensureManagedProcess(broker, log);
    await ensureScramUser(log);
  },
  stop: (log) => stopManagedProcess(broker, log),
  status: () => statusOfManagedProcess(broker),
};

/** Regenerated on every start so that a change in kafka-config.ts applies after a restart. */
function writeConfig(): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(
    propertiesFile,
    renderServerProperties({
      host: loopback,
      port: ports.kafka,
      controllerPort: ports.kafkaController,
      dataDir,
      sasl: { port: ports.kafkaSasl, plainUsers: { [localKafkaSaslUser.username]: localKafkaSaslUser.password } },
    }),
  );
  fs.writeFileSync(log4jFile, renderLog4j2Properties());
}

/** Where a broker keeps its data and config (another instance, e.g. the fault suite's, passes its own). */
export interface KafkaStorage {
  dir: string;
  dataDir: string;
  propertiesFile: string;
  log4jFile: string;
}

const ownStorage: KafkaStorage = { dir: kafkaDir, dataDir, propertiesFile, log4jFile };

/** Runs one of Kafka's command-line tools (a main class and its arguments) on the fetched jars. */
function runKafkaTool(log4jFile: string, mainAndArgs: readonly string[], cwd: string): ReturnType<typeof runCommand> {
  return runCommand(
    'java',
    ['-Xmx256m', `-Dlog4j2.configurationFile=${log4jFile}`, '-cp', classpathOf(libDir), ...mainAndArgs],
    { cwd, timeoutMs: 120_000 },
  );
}

export async function formatStorageOnce(log: Log, storage: KafkaStorage = ownStorage): Promise<void> {
  const { dir, dataDir, propertiesFile, log4jFile } = storage;
  if (fs.existsSync(path.join(dataDir, 'meta.properties'))) return;
  // A Kafka cluster id is 16 random bytes in URL-safe base64 without padding.
  // base64url may start with '-', which the tool's argument parser takes for an option
  // (1 format in 64 failed); Kafka's own random-uuid avoids that the same way.
  let clusterId = crypto.randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = crypto.randomBytes(16).toString('base64url');
  const result = await runKafkaTool(
    log4jFile,
    [
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      propertiesFile,
      // SCRAM users live in the cluster metadata: a new cluster gets the local user at birth.
      '--add-scram',
      scramCredentialArgument(localKafkaSaslUser.username, localKafkaSaslUser.password),
    ],
    dir,
  );
  if (result.code !== 0) {
    throw new InfraError(
      'START_FAILED',
      `kafka: formatting ${dataDir} failed (exit ${result.code}): ${lastLines(result.stdout + result.stderr, 3)}`,
    );
  }
  log(`kafka: formatted ${path.relative(flowlineDir, dataDir)} (cluster ${clusterId}, node ${kafkaNodeId})`);
}

/**
 * The local SCRAM user exists on the running cluster: a data dir formatted before the SASL
 * listener existed has no SCRAM credentials, and only a running broker can add them. Done
 * once per cluster (a marker beside the data names the cluster id), since each try costs a
 * JVM start; setting the same password again would be harmless.
 */
async function ensureScramUser(log: Log): Promise<void> {
  const { username, password } = localKafkaSaslUser;
  const marker = path.join(kafkaDir, 'scram-users');
  const expected = `${clusterIdOf(dataDir)} ${username}\n`;
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === expected) return;
  const result = await runKafkaTool(
    log4jFile,
    [
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      localSettings.KAFKA_BROKERS,
      '--alter',
      '--add-config',
      `SCRAM-SHA-512=[password=${password}]`,
      '--entity-type',
      'users',
      '--entity-name',
      username,
    ],
    kafkaDir,
  );
  if (result.code !== 0) {
    throw new InfraError(
      'START_FAILED',
      `kafka: creating the SCRAM user ${username} failed (exit ${result.code}): ${lastLines(result.stdout + result.stderr, 3)}`,
    );
  }
  fs.writeFileSync(marker, expected);
  log(`kafka: SCRAM-SHA-512 user ${username} created`);
}

/** The cluster id in a formatted data dir's meta.properties (undefined before formatting). */
function clusterIdOf(dir: string): string | undefined {
  const meta = path.join(dir, 'meta.properties');
  if (!fs.existsSync(meta)) return undefined;
  return /^cluster\.id=(.*)$/m.exec(fs.readFileSync(meta, 'utf8'))?.[1]?.trim();
}
