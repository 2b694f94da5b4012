/**
 * Service configuration: a zod schema over the environment (and an optional YAML file
 * named by FLOWLINE_CONFIG_FILE; the environment wins), parsed once at start. A bad value
 * fails fast with the key, the problem and an example, never a stack trace — and never a
 * secret: the value of a secret-named key is not repeated, URL passwords are masked.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FlowlineError } from '@flowline/errors';
import { isSecretKey, LOG_LEVELS, maskSecretsInText } from '@flowline/telemetry';

/** Bad settings: the service cannot start until they are fixed, so retrying is pointless. */
export class ConfigError extends FlowlineError {
  readonly code = 'CONFIG_INVALID';
  override readonly retryable = false;
  constructor(
    readonly problems: readonly { key: string; problem: string }[],
    options?: ErrorOptions,
  ) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.key}: ${p.problem}`).join('\n')}`, options);
  }
}

/** A field with an example shown when the value is bad. */
export function withExample<T extends z.ZodType>(schema: T, example: string): T {
  return schema.meta({ example });
}

export const configFields = {
  port: (fallback: number) =>
    withExample(z.coerce.number().int().min(1).max(65535).default(fallback), String(fallback)),
  brokers: () =>
    withExample(
      z
        .string()
        .default('127.0.0.1:9092')
        .transform((value) =>
          value
            .split(',')
            .map((broker) => broker.trim())
            .filter((broker) => broker !== ''),
        )
        .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port')).min(1)),
      '127.0.0.1:9092,127.0.0.1:9093',
    ),
  url: (fallback: string, protocols: readonly string[]) =>
    withExample(
      z
        .string()
        .default(fallback)
        .refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol.slice(0, -1)), {
          message: `must be a ${protocols.join(' or ')} URL`,
        }),
      fallback,
    ),
  positiveInt: (fallback: number) =>
    withExample(z.coerce.number().int().positive().default(fallback), String(fallback)),
};

/** Keys every service reads; an app's config.ts extends this with its own. */
export const baseServiceConfig = z.object({
  PORT: configFields.port(8080),
  LOG_LEVEL: withExample(z.enum(LOG_LEVELS).default('info'), 'info'),
  KAFKA_BROKERS: configFields.brokers(),
  FLOWLINE_TOPIC_PREFIX: withExample(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/, "only letters, digits, '.', '_' and '-'")
      .default(''),
    'acme.',
  ),
  KAFKA_TOPIC_PARTITIONS: configFields.positiveInt(3),
  /** Retention of the topics a service creates (7 days). */
  KAFKA_TOPIC_RETENTION_MS: configFields.positiveInt(7 * 24 * 3_600_000),
  /** Retention of dead-letter topics: they wait for an operator (30 days). */
  KAFKA_DLQ_RETENTION_MS: configFields.positiveInt(30 * 24 * 3_600_000),
  SHUTDOWN_TIMEOUT_MS: configFields.positiveInt(15_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: withExample(z.url().optional(), 'http://otel-collector:4318'),
});
export type BaseServiceConfig = z.infer<typeof baseServiceConfig>;

export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const fromFile = env['FLOWLINE_CONFIG_FILE'] === undefined ? {} : readConfigFile(env['FLOWLINE_CONFIG_FILE']);
  // An empty variable means "not set", so defaults apply (as a shell `VAR=` usually intends).
  const fromEnv = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse({ ...fromFile, ...fromEnv });
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '(root)');
      const field = schema.shape[key] as z.ZodType | undefined;
      const example = field?.meta()?.['example'];
      const exampleText = typeof example === 'string' ? `; example: ${key}=${example}` : '';
      const given = env[key] ?? fromFile[key];
      const shown = given === undefined ? 'missing' : `got ${describeGiven(key, given)}`;
      return { key, problem: `${issue.message} (${shown}${exampleText})` };
    }),
  );
}

function describeGiven(key: string, given: unknown): string {
  if (isSecretKey(key)) return 'a value, not shown because the key names a secret';
  return maskSecretsInText(JSON.stringify(given) ?? String(given));
}

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      [{ key: 'FLOWLINE_CONFIG_FILE', problem: `cannot read ${path}: ${(error as Error).message}` }],
      { cause: error },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([{ key: 'FLOWLINE_CONFIG_FILE', problem: `${path} must hold a mapping of KEY: value` }]);
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [key, typeof value === 'object' ? value : String(value)]),
  );
}

/** The Kafka connection and topic settings of a service, as the messaging lib takes them. */
export function kafkaSettings(config: BaseServiceConfig): {
  brokers: string[];
  topicDefaults: { partitions: number; retentionMs: number; deadLetterRetentionMs: number };
} {
  return {
    brokers: config.KAFKA_BROKERS,
    topicDefaults: {
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      retentionMs: config.KAFKA_TOPIC_RETENTION_MS,
      deadLetterRetentionMs: config.KAFKA_DLQ_RETENTION_MS,
    },
  };
}
