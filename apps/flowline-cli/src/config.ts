/**
 * The CLI's settings, from the environment (an empty variable counts as unset). Read only
 * when a command needs a connection, so `--help` works whatever the environment holds.
 */
import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';
import { UsageError } from './cli-error';

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:55432/flowline';

// The same keys and rules as the services' config (libs/service-runtime); the examples below are the CLI's.
const cliConfigSchema = baseServiceConfig.pick({ KAFKA_BROKERS: true, FLOWLINE_TOPIC_PREFIX: true }).extend({
  DATABASE_URL: configFields.url(DEFAULT_DATABASE_URL, ['postgres', 'postgresql']),
});

const EXAMPLES: Record<keyof z.input<typeof cliConfigSchema>, string> = {
  KAFKA_BROKERS: DEFAULT_KAFKA_BROKERS,
  DATABASE_URL: DEFAULT_DATABASE_URL,
  FLOWLINE_TOPIC_PREFIX: 'acme.',
};

export interface CliConfig {
  brokers: string[];
  databaseUrl: string;
  /** Not added to topic arguments (they are taken as given); scopes `stats` and hints. */
  topicPrefix: string;
}

export function loadCliConfig(env: Readonly<Record<string, string | undefined>>): CliConfig {
  const given = Object.fromEntries(
    Object.keys(EXAMPLES).flatMap((key) => (env[key] === undefined || env[key] === '' ? [] : [[key, env[key]]])),
  );
  const result = cliConfigSchema.safeParse(given);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue?.path[0] ?? 'environment') as keyof typeof EXAMPLES;
    // DATABASE_URL may carry a password: never repeat it.
    const shown = key === 'DATABASE_URL' ? '' : ` (got ${JSON.stringify(env[key])})`;
    throw new UsageError(`${key}: ${issue?.message ?? 'invalid'}${shown}; example: ${key}=${EXAMPLES[key]}`);
  }
  return {
    brokers: result.data.KAFKA_BROKERS,
    databaseUrl: result.data.DATABASE_URL,
    topicPrefix: result.data.FLOWLINE_TOPIC_PREFIX,
  };
}

/** `host:port/database` of a PostgreSQL URL, for messages (never the password). */
export function databaseAddress(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port === '' ? '5432' : url.port}${url.pathname}`;
}
