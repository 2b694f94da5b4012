/**
 * The one place that builds a kafkajs client. Apps never import kafkajs: they use the
 * publisher, consumer and admin functions of this lib, so the client can be swapped
 * (kafkajs is no longer actively maintained).
 */
import { Kafka, KafkaConfig, logLevel, LogEntry, SASLOptions } from 'kafkajs';
import type { Logger } from '@flowline/telemetry';

export interface KafkaSettings {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /**
   * Fail fast instead of riding out an outage: connection attempts time out after this long
   * and are retried only twice (an operator's command, not a service that waits for Kafka).
   */
  connectTimeoutMs?: number;
  /** TLS to the brokers; unset means plaintext. */
  tls?: KafkaTls;
  /** SASL authentication (over TLS in production: PLAIN sends the password as is). */
  sasl?: KafkaSasl;
}

/** TLS settings as PEM text (read from files by the caller); with none set, the system's CAs verify the broker. */
export interface KafkaTls {
  /** The CA that signed the brokers' certificates, when not a public one. */
  ca?: string;
  /** A client certificate and its key, for brokers that authenticate clients by mutual TLS. */
  cert?: string;
  key?: string;
}

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

export interface KafkaSasl {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs 2.2.4 arms a timer with a negative delay on every connection, which Node ≥ 23
 * reports as a TimeoutNegativeWarning every time (tulios/kafkajs#1751; harmless: Node uses
 * 1 ms, which is what kafkajs relies on). Exactly that warning is dropped, process-wide,
 * once a Kafka client exists — services, the CLI and the benches alike; every other warning
 * still reaches the process's handlers.
 */
let timerWarningDropped = false;
function dropKafkajsTimerWarning(): void {
  if (timerWarningDropped) return;
  timerWarningDropped = true;
  type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;
  const emitWarning = process.emitWarning.bind(process) as EmitWarning;
  const filtered: EmitWarning = (warning, ...rest) => {
    const type = typeof rest[0] === 'string' ? rest[0] : warning instanceof Error ? warning.name : undefined;
    if (type !== 'TimeoutNegativeWarning') emitWarning(warning, ...rest);
  };
  process.emitWarning = filtered;
}

/**
 * The level a kafkajs log line gets in our logs. kafkajs logs every error response of the
 * broker at ERROR ("Response CreateTopics …", "Response Metadata …") and also hands that
 * error to the call that sent the request, which retries it or handles it (a topic that
 * already exists, a partition whose leader is still being elected) or fails, and then our
 * code reports it. So those lines are warnings: a healthy start logs no ERROR.
 */
export function kafkajsLogLevel(
  level: logLevel,
  namespace: string,
  message: string,
): 'error' | 'warn' | 'info' | 'debug' {
  if (level === logLevel.ERROR && namespace === 'Connection' && message.startsWith('Response ')) return 'warn';
  return LEVEL_NAMES[level] ?? 'info';
}

/**
 * What is wrong with the installed kafkajs for Flowline, as one log line; undefined when it
 * is as patches/kafkajs+2.2.4.patch leaves it. `crc` is kafkajs's CRC-32C module, to which
 * the patch adds `native` (whether @node-rs/crc32 loaded).
 */
export function kafkajsInstallProblem(crc: { native?: unknown }): string | undefined {
  if (crc.native === undefined) {
    return 'kafkajs is not patched (patches/kafkajs+2.2.4.patch, applied by patch-package when npm ci runs): record headers decode in quadratic time and a header named toString is mangled';
  }
  if (crc.native !== true) {
    return 'kafkajs checksums produced batches in JavaScript: @node-rs/crc32 did not load on this platform, so producing costs more CPU';
  }
  return undefined;
}

/** Warns once per process when kafkajs is not installed as Flowline expects: it still works, slower. */
let installChecked = false;
function checkKafkajsInstall(log: Logger): void {
  if (installChecked) return;
  installChecked = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's protocol modules are untyped CommonJS, reached on purpose
  const problem = kafkajsInstallProblem(require('kafkajs/src/protocol/recordBatch/crc32C') as { native?: unknown });
  if (problem !== undefined) log.warn(problem);
}

/** The kafkajs connection options for TLS and SASL (pure, so the mapping is unit-tested). */
export function kafkaSecurityOptions(settings: Pick<KafkaSettings, 'tls' | 'sasl'>): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { tls, sasl } = settings;
  return {
    ...(tls === undefined
      ? {}
      : {
          ssl:
            tls.ca === undefined && tls.cert === undefined && tls.key === undefined
              ? true
              : {
                  ...(tls.ca === undefined ? {} : { ca: [tls.ca] }),
                  ...(tls.cert === undefined ? {} : { cert: tls.cert }),
                  ...(tls.key === undefined ? {} : { key: tls.key }),
                },
        }),
    ...(sasl === undefined ? {} : { sasl: saslOptionsOf(sasl) }),
  };
}

/** kafkajs types SASL as a union keyed by mechanism: one literal per branch keeps it checked. */
function saslOptionsOf({ mechanism, username, password }: KafkaSasl): SASLOptions {
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
  }
}

export function createKafkaClient(settings: KafkaSettings): Kafka {
  dropKafkajsTimerWarning();
  const log = settings.logger.child({ component: 'kafka' });
  checkKafkajsInstall(log);
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ...kafkaSecurityOptions(settings),
    // kafkajs is chatty at INFO (every join, every connect); keep its warnings and errors.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, label, namespace, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        log[kafkajsLogLevel(level, namespace, message)]({ ...fields, namespace, kafka_level: label }, message);
      },
    // A service's requests back off at most 5 s between tries (kafkajs's default grows to
    // 30 s): after a broker restart of some seconds, consumers and producers were back up to
    // half a minute after the broker was. Ten tries still ride out about 30 s of outage before
    // a request fails (and a consumer restarts or rejoins: group-member.ts).
    ...(settings.connectTimeoutMs === undefined
      ? { retry: { initialRetryTime: 100, retries: 10, maxRetryTime: 5_000 } }
      : {
          connectionTimeout: settings.connectTimeoutMs,
          retry: { initialRetryTime: 100, retries: 2, maxRetryTime: settings.connectTimeoutMs },
        }),
  });
}
