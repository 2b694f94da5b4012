/**
 * A Kafka broker of the test's own, on its own ports and data folder, that the test may stop
 * and start again: the shared broker (127.0.0.1:9092) serves every other test and is never
 * stopped. Runs the jars deploy/local fetched for the shared broker, configured by the same
 * kafka-config.ts, with a smaller heap.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, uniqueDirectory } from '@flowline/testing';
import { flowlineDir } from '../../../../deploy/local/src/infra-layout';
import { renderLog4j2Properties, renderServerProperties } from '../../../../deploy/local/src/kafka-config';
import { waitForKafkaReady } from '../../../../deploy/local/src/kafka-readiness';
import { classpathOf } from '../../../../deploy/local/src/maven-jars';

export interface PrivateKafka {
  readonly brokers: string;
  start(): Promise<void>;
  /** A clean shutdown (SIGTERM), as an operator or a rolling restart does. */
  stop(): Promise<void>;
  /** Stops the broker if running and deletes its data. */
  destroy(): Promise<void>;
}

function runJava(args: readonly string[]): ChildProcess {
  return spawn('java', args, { stdio: ['ignore', 'ignore', 'ignore'] });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function startPrivateKafka(): Promise<PrivateKafka> {
  const libDir = join(flowlineDir, 'kafka', 'libs');
  if (!existsSync(libDir)) {
    throw new Error(
      `no Kafka jars in ${libDir}: run the tests with FLOWLINE_TEST_INFRA=local (npm run infra:up fetches them)`,
    );
  }
  const dir = await uniqueDirectory('private-kafka');
  const [port, controllerPort] = [await freePort(), await freePort()];
  const properties = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j2.properties');
  await writeFile(
    properties,
    renderServerProperties({ host: '127.0.0.1', port, controllerPort, dataDir: join(dir, 'data') }),
  );
  await writeFile(log4j, renderLog4j2Properties());
  const classpath = classpathOf(libDir);
  const jvm = [
    '-Xms256m',
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`,
  ];
  const clusterId = randomBytes(16).toString('base64url').replace(/^-/, 'A');
  const format = runJava([
    ...jvm,
    '-cp',
    classpath,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    properties,
  ]);
  if ((await exited(format)) !== 0) throw new Error(`formatting the private broker's storage in ${dir} failed`);

  const brokers = `127.0.0.1:${port}`;
  let broker: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (broker === undefined) return;
    const running = broker;
    broker = undefined;
    running.kill('SIGTERM');
    const deadline = setTimeout(() => running.kill('SIGKILL'), 60_000);
    await exited(running);
    clearTimeout(deadline);
  };
  const start = async (): Promise<void> => {
    const child = runJava([...jvm, '-cp', classpath, 'kafka.Kafka', properties]);
    broker = child;
    await waitForKafkaReady([brokers], {
      timeoutMs: 120_000,
      abortIf: () => (child.exitCode === null ? undefined : `the private broker exited (${child.exitCode})`),
    });
  };
  const kafka: PrivateKafka = {
    brokers,
    start,
    stop,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (error) {
    await kafka.destroy();
    throw error;
  }
  return kafka;
}
