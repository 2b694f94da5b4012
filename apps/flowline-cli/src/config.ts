/**
 * The CLI's settings, from the environment (an empty variable counts as unset). Read only
 * when a command needs a connection, so `--help` works whatever the environment holds.
 * The same keys and rules as the services' config (libs/service-runtime), Kafka TLS and SASL
 * included, and any key K may come from the file K_FILE names.
 */
import type { z } from 'zod';
import {
  baseServiceConfig,
  ConfigError,
  configFields,
  crossKeyProblems,
  kafkaConnection,
  KafkaClientSettings,
  resolveSecretFiles,
} from '@flowline/service-runtime';
import { isSecretKey } from '@flowline/telemetry';
import { UsageError } from './cli-error';

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:55432/flowline';

const cliConfigSchema = baseServiceConfig
  .pick({
    KAFKA_BROKERS: true,
    FLOWLINE_TOPIC_PREFIX: true,
    KAFKA_SSL: true,
    KAFKA_SSL_CA_FILE: true,
    KAFKA_SSL_CERT_FILE: true,
    KAFKA_SSL_KEY_FILE: true,
    KAFKA_SASL_MECHANISM: true,
    KAFKA_SASL_USERNAME: true,
    KAFKA_SASL_PASSWORD: true,
  })
  .extend({
    DATABASE_URL: configFields.url(DEFAULT_DATABASE_URL, ['postgres', 'postgresql']),
  });

// The CLI's own examples (an operator's single local broker, not a cluster).
const EXAMPLES: Record<keyof z.input<typeof cliConfigSchema>, string> = {
  KAFKA_BROKERS: DEFAULT_KAFKA_BROKERS,
  DATABASE_URL: DEFAULT_DATABASE_URL,
  FLOWLINE_TOPIC_PREFIX: 'acme.',
  KAFKA_SSL: 'true',
  KAFKA_SSL_CA_FILE: '/etc/flowline/kafka-tls/ca.crt',
  KAFKA_SSL_CERT_FILE: '/etc/flowline/kafka-tls/tls.crt',
  KAFKA_SSL_KEY_FILE: '/etc/flowline/kafka-tls/tls.key',
  KAFKA_SASL_MECHANISM: 'scram-sha-512',
  KAFKA_SASL_USERNAME: 'flowline',
  KAFKA_SASL_PASSWORD: '…',
};
type CliKey = keyof typeof EXAMPLES;
const CLI_KEYS = Object.keys(EXAMPLES) as CliKey[];

export interface CliConfig {
  brokers: string[];
  /** TLS (PEM text, read at load) and SASL for the Kafka connection; plaintext when both are unset. */
  kafkaSecurity: Pick<KafkaClientSettings, 'tls' | 'sasl'>;
  databaseUrl: string;
  /** Not added to topic arguments (they are taken as given); scopes `stats` and hints. */
  topicPrefix: string;
}

export function loadCliConfig(env: Readonly<Record<string, string | undefined>>): CliConfig {
  const given = Object.fromEntries(
    CLI_KEYS.flatMap((key) => [key, `${key}_FILE`]).flatMap((key) =>
      env[key] === undefined || env[key] === '' ? [] : [[key, env[key]]],
    ),
  );
  const resolved = resolveSecretFiles(CLI_KEYS, given);
  if (resolved.problems.length > 0) throw usageErrorOf(resolved.problems);
  const result = cliConfigSchema.safeParse(resolved.input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue?.path[0] ?? 'environment') as CliKey;
    // DATABASE_URL may carry a password, and a secret or a value read from a file is never repeated.
    const hidden = key === 'DATABASE_URL' || isSecretKey(key) || resolved.fromFiles.has(key);
    const shown = hidden ? '' : ` (got ${JSON.stringify(env[key])})`;
    throw new UsageError(`${key}: ${issue?.message ?? 'invalid'}${shown}; example: ${key}=${EXAMPLES[key]}`);
  }
  const problems = crossKeyProblems(result.data);
  if (problems.length > 0) throw usageErrorOf(problems);
  let connection: ReturnType<typeof kafkaConnection>;
  try {
    connection = kafkaConnection(result.data);
  } catch (error) {
    if (error instanceof ConfigError) throw usageErrorOf(error.problems, error);
    throw error;
  }
  const { brokers, ...kafkaSecurity } = connection;
  return {
    brokers,
    kafkaSecurity,
    databaseUrl: result.data.DATABASE_URL,
    topicPrefix: result.data.FLOWLINE_TOPIC_PREFIX,
  };
}

function usageErrorOf(problems: readonly { key: string; problem: string }[], cause?: unknown): UsageError {
  return new UsageError(
    problems.map(({ key, problem }) => `${key}: ${problem}`).join('; '),
    cause === undefined ? {} : { cause },
  );
}

/** `host:port/database` of a PostgreSQL URL, for messages (never the password). */
export function databaseAddress(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port === '' ? '5432' : url.port}${url.pathname}`;
}
