import fs from 'node:fs';
import path from 'node:path';
import { renderLog4j2Properties, renderServerProperties } from './kafka-config';
import { waitForKafkaReady } from './kafka-readiness';
import { formatStorageOnce, libDir } from './kafka-server';
import { loopback } from './local-settings';
import { classpathOf } from './maven-jars';
import { isAlive, requireOnPath, spawnDetached, stopProcessGroup, tailOfFile } from './process-control';

// A second, throwaway KRaft broker beside the shared one: same jars and the same rendered
// config (kafka-config.ts), its own ports and data directory. For tests that stop and restart
// a broker (the fault suite), which must not disturb the other test files on the shared one.
// Data survives stop/start, as a real broker's does across a restart.

export interface KafkaInstanceOptions {
  /** Holds data, config and the log; the caller owns it (a temp dir). */
  dir: string;
  port: number;
  controllerPort: number;
  /** Smaller than the shared broker's 1 GiB: a test broker holds little. */
  heap?: string;
}

export interface KafkaInstance {
  readonly brokers: string;
  readonly logFile: string;
  /** Starts the broker (formatting its storage the first time) and waits until groups and transactions work. */
  start(): Promise<void>;
  /** Controlled shutdown (SIGTERM, then SIGKILL after the grace time). */
  stop(graceMs?: number): Promise<void>;
  running(): boolean;
}

export function kafkaInstance(options: KafkaInstanceOptions): KafkaInstance {
  const dataDir = path.join(options.dir, 'data');
  const propertiesFile = path.join(options.dir, 'server.properties');
  const log4jFile = path.join(options.dir, 'log4j2.properties');
  const logFile = path.join(options.dir, 'kafka.log');
  const brokers = `${loopback}:${options.port}`;
  let pid: number | undefined;

  const writeConfig = (): void => {
    fs.mkdirSync(dataDir, { recursive: true });
    const properties = renderServerProperties({
      host: loopback,
      port: options.port,
      controllerPort: options.controllerPort,
      dataDir,
    });
    fs.writeFileSync(propertiesFile, properties);
    fs.writeFileSync(log4jFile, renderLog4j2Properties());
  };

  return {
    brokers,
    logFile,
    running: () => pid !== undefined && isAlive(pid),
    async start() {
      requireOnPath('java', 'Kafka runs on the machine’s Java 17');
      writeConfig();
      await formatStorageOnce(() => undefined, { dir: options.dir, dataDir, propertiesFile, log4jFile });
      const heap = options.heap ?? '512m';
      const started = spawnDetached({
        command: 'java',
        args: [
          `-Xms${heap}`,
          `-Xmx${heap}`,
          '-XX:+UseParallelGC',
          '-Djava.awt.headless=true',
          `-Dlog4j2.configurationFile=${log4jFile}`,
          '-cp',
          classpathOf(libDir),
          'kafka.Kafka',
          propertiesFile,
        ],
        logFile,
        cwd: options.dir,
      });
      pid = started;
      await waitForKafkaReady([brokers], {
        timeoutMs: 120_000,
        abortIf: () => (isAlive(started) ? undefined : `kafka exited: ${tailOfFile(logFile, 3)} (see ${logFile})`),
      });
    },
    async stop(graceMs = 30_000) {
      if (pid === undefined) return;
      await stopProcessGroup(pid, graceMs);
      pid = undefined;
    },
  };
}
