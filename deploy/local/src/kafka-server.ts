import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InfraError } from './infra-error';
import { deployLocalDir, flowlineDir, logFileOf, pidFileOf } from './infra-layout';
import { kafkaNodeId, renderLog4j2Properties, renderServerProperties } from './kafka-config';
import { describeKafkaCluster, waitForKafkaReady } from './kafka-readiness';
import type { LocalServer, Log } from './local-server';
import { localSettings, loopback, ports } from './local-settings';
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
  },
  stop: (log) => stopManagedProcess(broker, log),
  status: () => statusOfManagedProcess(broker),
};

/** Regenerated on every start so that a change in kafka-config.ts applies after a restart. */
function writeConfig(): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(
    propertiesFile,
    renderServerProperties({ host: loopback, port: ports.kafka, controllerPort: ports.kafkaController, dataDir }),
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

export async function formatStorageOnce(log: Log, storage: KafkaStorage = ownStorage): Promise<void> {
  const { dir, dataDir, propertiesFile, log4jFile } = storage;
  if (fs.existsSync(path.join(dataDir, 'meta.properties'))) return;
  // A Kafka cluster id is 16 random bytes in URL-safe base64 without padding.
  // base64url may start with '-', which the tool's argument parser takes for an option
  // (1 format in 64 failed); Kafka's own random-uuid avoids that the same way.
  let clusterId = crypto.randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = crypto.randomBytes(16).toString('base64url');
  const result = await runCommand(
    'java',
    [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${log4jFile}`,
      '-cp',
      classpathOf(libDir),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      propertiesFile,
    ],
    { cwd: dir, timeoutMs: 120_000 },
  );
  if (result.code !== 0) {
    throw new InfraError(
      'START_FAILED',
      `kafka: formatting ${dataDir} failed (exit ${result.code}): ${lastLines(result.stdout + result.stderr, 3)}`,
    );
  }
  log(`kafka: formatted ${path.relative(flowlineDir, dataDir)} (cluster ${clusterId}, node ${kafkaNodeId})`);
}
