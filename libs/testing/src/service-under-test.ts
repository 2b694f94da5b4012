/**
 * Starts one service definition inside the test process, against the real broker (and
 * databases) of the test infrastructure: no child process, no build. Its log lines are
 * captured, and a TopicProbe reads its output topics, so an app's own `*.int.spec.ts`
 * can post a request or publish an event and wait for what the service wrote — in a
 * second or two instead of the end-to-end suite's process start.
 *
 * Each call gets its own topic prefix (FLOWLINE_TOPIC_PREFIX) unless the test passes one,
 * so services of parallel tests never share topics or consumer groups.
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { z } from 'zod';
import { encodeEvent, type FlowlineEvent } from '@flowline/event-schemas';
import { startService, type RunningService, type ServiceDefinition } from '@flowline/service-runtime';
import { testInfra } from './infra-settings';
import { TopicProbe } from './topic-probe';
import { uniqueTopicPrefix } from './unique-names';
import { waitFor, type WaitOptions } from './wait-for';

export interface ServiceUnderTestOptions {
  /** Config on top of the infrastructure's connection settings, a free PORT and a unique prefix. */
  env?: Record<string, string>;
  /**
   * Topics the probe reads from their beginning, as a function of the service's prefix
   * (they must exist once the service has started: services create their topics at start).
   */
  outputs?: (prefix: string) => readonly string[];
}

export interface ServiceUnderTest {
  readonly service: RunningService;
  /** FLOWLINE_TOPIC_PREFIX the service runs with. */
  readonly prefix: string;
  /** The environment the service was started with (start a second instance with the same). */
  readonly env: Record<string, string>;
  /** Reads the output topics; undefined when no outputs were named. */
  readonly probe: TopicProbe | undefined;
  /** `http://127.0.0.1:<port><path>` of the service's HTTP server. */
  url(path: string): string;
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[];
  /** Waits until a log line matching the predicate was written; returns it. */
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    options?: WaitOptions,
  ): Promise<Record<string, unknown>>;
  /** Writes events to a topic (acks=all), as an upstream service would: feeds a consumer under test. */
  publish(topic: string, ...events: readonly FlowlineEvent[]): Promise<void>;
  /** Drains and stops the service (as SIGTERM would), then the probe. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the service's config needs a concrete PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function captureLog(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let pending = '';
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      pending += String(chunk);
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        newline = pending.indexOf('\n');
      }
      done();
    },
  });
  return { stream, lines: () => lines };
}

export async function startServiceUnderTest<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  options: ServiceUnderTestOptions = {},
): Promise<ServiceUnderTest> {
  const infra = testInfra();
  const prefix = options.env?.['FLOWLINE_TOPIC_PREFIX'] ?? uniqueTopicPrefix(definition.name);
  const env: Record<string, string> = {
    ...infra,
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '20000',
    ...options.env,
    FLOWLINE_TOPIC_PREFIX: prefix,
    PORT: options.env?.['PORT'] ?? String(await freePort()),
  };
  const log = captureLog();
  const service = await startService(definition, env, { logDestination: log.stream });
  let probe: TopicProbe | undefined;
  try {
    const outputs = options.outputs?.(prefix) ?? [];
    if (outputs.length > 0) probe = await TopicProbe.start(infra.KAFKA_BROKERS, outputs);
  } catch (error) {
    await service.stop();
    throw error;
  }
  let producer: Promise<Producer> | undefined;
  const connectProducer = async (): Promise<Producer> => {
    const kafka = new Kafka({
      clientId: 'flowline-test-feed',
      brokers: infra.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    const connecting = kafka.producer({ allowAutoTopicCreation: false });
    await connecting.connect();
    return connecting;
  };
  let stopped: Promise<void> | undefined;
  return {
    service,
    prefix,
    env,
    probe,
    url: (path) => `http://127.0.0.1:${service.port}${path}`,
    logs: log.lines,
    waitForLog: (predicate, waitOptions = {}) =>
      waitFor(() => log.lines().find(predicate), {
        description: `a ${definition.name} log line`,
        ...waitOptions,
      }),
    publish: async (topic, ...events) => {
      producer ??= connectProducer();
      await (await producer).send({ topic, acks: -1, messages: events.map((event) => encodeEvent(event)) });
    },
    stop: () => {
      stopped ??= service
        .stop()
        .finally(() => probe?.stop())
        .finally(async () => (producer === undefined ? undefined : (await producer).disconnect()));
      return stopped;
    },
  };
}
