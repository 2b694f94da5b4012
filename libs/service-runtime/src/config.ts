/**
 * Service configuration: a zod schema over the environment (and an optional YAML file
 * named by FLOWLINE_CONFIG_FILE; the environment wins), parsed once at start. A bad value
 * fails fast with the key, the problem and an example, never a stack trace — and never a
 * secret: the value of a secret-named key is not repeated, URL passwords are masked.
 *
 * Any key K of the schema may instead be given as K_FILE, the path of a file holding the
 * value (a Kubernetes Secret mounted as files), so credentials need not sit in the
 * environment, where `kubectl describe` and crash dumps show them.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
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
  flag: (fallback: boolean) => withExample(z.stringbool().default(fallback), String(!fallback)),
  /** A path to a file the service reads at start (a PEM certificate or key): checked readable now. */
  readableFile: (example: string) =>
    withExample(
      z
        .string()
        .refine((path) => isReadable(path), { message: 'names a file that does not exist or cannot be read' })
        .optional(),
      example,
    ),
};

function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

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
  /** Copies of each partition of the topics a service creates (production: 3). */
  KAFKA_REPLICATION_FACTOR: configFields.positiveInt(1),
  /** Replicas that must hold a write before acks=all acknowledges it (production: 2); at most the replication factor. */
  KAFKA_MIN_INSYNC_REPLICAS: configFields.positiveInt(1),
  KAFKA_SSL: configFields.flag(false),
  KAFKA_SSL_CA_FILE: configFields.readableFile('/etc/flowline/kafka-tls/ca.crt'),
  KAFKA_SSL_CERT_FILE: configFields.readableFile('/etc/flowline/kafka-tls/tls.crt'),
  KAFKA_SSL_KEY_FILE: configFields.readableFile('/etc/flowline/kafka-tls/tls.key'),
  KAFKA_SASL_MECHANISM: withExample(z.enum(KAFKA_SASL_MECHANISMS).optional(), 'scram-sha-512'),
  KAFKA_SASL_USERNAME: withExample(z.string().optional(), 'flowline'),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  SHUTDOWN_TIMEOUT_MS: configFields.positiveInt(15_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: withExample(z.url().optional(), 'http://otel-collector:4318'),
});
export type BaseServiceConfig = z.infer<typeof baseServiceConfig>;

export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const fromFile = env['FLOWLINE_CONFIG_FILE'] === undefined ? {} : readConfigFile(env['FLOWLINE_CONFIG_FILE']);
  // An empty variable means "not set", so defaults apply (as a shell `VAR=` usually intends).
  const fromEnv = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const secrets = resolveSecretFiles(Object.keys(schema.shape), { ...fromFile, ...fromEnv });
  if (secrets.problems.length > 0) throw new ConfigError(secrets.problems);
  const result = schema.safeParse(secrets.input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '(root)');
        const field = schema.shape[key] as z.ZodType | undefined;
        const example = field?.meta()?.['example'];
        const exampleText = typeof example === 'string' ? `; example: ${key}=${example}` : '';
        const given = secrets.input[key];
        const shown =
          given === undefined
            ? 'missing'
            : secrets.fromFiles.has(key)
              ? `a value read from ${key}_FILE, not shown`
              : `got ${describeGiven(key, given)}`;
        return { key, problem: `${issue.message} (${shown}${exampleText})` };
      }),
    );
  }
  const problems = crossKeyProblems(result.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

function describeGiven(key: string, given: unknown): string {
  if (isSecretKey(key)) return 'a value, not shown because the key names a secret';
  return maskSecretsInText(JSON.stringify(given) ?? String(given));
}

/**
 * `K_FILE` for each key K of the schema: the file's content, without its trailing newline
 * (what `echo` and most editors add), becomes K. A key whose `_FILE` name is itself a key of
 * the schema (WEBHOOK_SECRET_FILE, with its own meaning) is left to the schema. Giving both
 * K and K_FILE is a mistake, not a precedence rule to learn. `fromFiles`: the keys read so,
 * whose values a message must not repeat.
 */
export function resolveSecretFiles(
  keys: readonly string[],
  given: Record<string, unknown>,
): { input: Record<string, unknown>; fromFiles: Set<string>; problems: { key: string; problem: string }[] } {
  const input = { ...given };
  const fromFiles = new Set<string>();
  const problems: { key: string; problem: string }[] = [];
  for (const key of keys) {
    const fileKey = `${key}_FILE`;
    const path = given[fileKey];
    if (path === undefined || keys.includes(fileKey)) continue;
    if (typeof path !== 'string') {
      problems.push({ key: fileKey, problem: 'must be the path of a file' });
      continue;
    }
    if (given[key] !== undefined) {
      problems.push({ key: `${key}, ${fileKey}`, problem: `set ${key} or ${fileKey}, not both` });
      continue;
    }
    let content: string;
    try {
      content = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.push({ key: fileKey, problem: `cannot read ${path} (${reason})` });
      continue;
    }
    if (content === '') {
      problems.push({ key: fileKey, problem: `${path} is empty` });
      continue;
    }
    input[key] = content;
    fromFiles.add(key);
  }
  return { input, fromFiles, problems };
}

/**
 * Rules across base keys, checked for whichever of them a schema holds (an app extends the
 * base; the CLI picks from it). Not zod refinements: `.pick()` refuses a refined object.
 */
export function crossKeyProblems(config: Record<string, unknown>): { key: string; problem: string }[] {
  const problems: { key: string; problem: string }[] = [];
  const replicas = config['KAFKA_REPLICATION_FACTOR'];
  const minInsync = config['KAFKA_MIN_INSYNC_REPLICAS'];
  if (typeof replicas === 'number' && typeof minInsync === 'number' && minInsync > replicas) {
    problems.push({
      key: 'KAFKA_MIN_INSYNC_REPLICAS',
      problem: `${minInsync} is more than KAFKA_REPLICATION_FACTOR (${replicas}): no write could ever be acknowledged (example: KAFKA_REPLICATION_FACTOR=3 with KAFKA_MIN_INSYNC_REPLICAS=2)`,
    });
  }
  const mechanism = typeof config['KAFKA_SASL_MECHANISM'] === 'string' ? config['KAFKA_SASL_MECHANISM'] : undefined;
  for (const key of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']) {
    if (mechanism !== undefined && config[key] === undefined) {
      problems.push({ key, problem: `required when KAFKA_SASL_MECHANISM is set (${mechanism})` });
    }
    if (mechanism === undefined && config[key] !== undefined) {
      problems.push({
        key: 'KAFKA_SASL_MECHANISM',
        problem: `missing while ${key} is set: a credential would go unused (example: KAFKA_SASL_MECHANISM=scram-sha-512)`,
      });
      break;
    }
  }
  for (const key of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE']) {
    if (config[key] !== undefined && config['KAFKA_SSL'] === false) {
      problems.push({ key, problem: 'is set but KAFKA_SSL is false: set KAFKA_SSL=true to use TLS' });
    }
  }
  if ((config['KAFKA_SSL_CERT_FILE'] === undefined) !== (config['KAFKA_SSL_KEY_FILE'] === undefined)) {
    problems.push({
      key: 'KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE',
      problem: 'a client certificate needs its key: set both or neither',
    });
  }
  return problems;
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

/** The Kafka settings of a service, as the messaging lib's MessagingClientOptions take them. */
export interface KafkaClientSettings {
  brokers: string[];
  topicDefaults: {
    partitions: number;
    retentionMs: number;
    deadLetterRetentionMs: number;
    replicationFactor: number;
    minInsyncReplicas: number;
  };
  tls?: { ca?: string; cert?: string; key?: string };
  sasl?: { mechanism: (typeof KAFKA_SASL_MECHANISMS)[number]; username: string; password: string };
}

type KafkaConfigKeys =
  | 'KAFKA_BROKERS'
  | 'KAFKA_SSL'
  | 'KAFKA_SSL_CA_FILE'
  | 'KAFKA_SSL_CERT_FILE'
  | 'KAFKA_SSL_KEY_FILE'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD';

/** The Kafka connection and topic settings of a service, as the messaging lib takes them. */
export function kafkaSettings(config: BaseServiceConfig): KafkaClientSettings {
  return {
    ...kafkaConnection(config),
    topicDefaults: {
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      retentionMs: config.KAFKA_TOPIC_RETENTION_MS,
      deadLetterRetentionMs: config.KAFKA_DLQ_RETENTION_MS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS,
    },
  };
}

/**
 * Brokers, TLS and SASL (for the CLI too, which creates no topics). The PEM files are read
 * here, at start: a file that vanished since the config was checked names its key.
 */
export function kafkaConnection(
  config: Pick<BaseServiceConfig, KafkaConfigKeys>,
): Pick<KafkaClientSettings, 'brokers' | 'tls' | 'sasl'> {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
  return {
    brokers: config.KAFKA_BROKERS,
    ...(config.KAFKA_SSL
      ? {
          tls: {
            ...pemFrom('ca', 'KAFKA_SSL_CA_FILE', config.KAFKA_SSL_CA_FILE),
            ...pemFrom('cert', 'KAFKA_SSL_CERT_FILE', config.KAFKA_SSL_CERT_FILE),
            ...pemFrom('key', 'KAFKA_SSL_KEY_FILE', config.KAFKA_SSL_KEY_FILE),
          },
        }
      : {}),
    // loadConfig has checked that a mechanism comes with both; the guard only narrows the types.
    ...(mechanism !== undefined && username !== undefined && password !== undefined
      ? { sasl: { mechanism, username, password } }
      : {}),
  };
}

function pemFrom<F extends 'ca' | 'cert' | 'key'>(
  field: F,
  key: string,
  path: string | undefined,
): Partial<Record<F, string>> {
  if (path === undefined) return {};
  try {
    return { [field]: readFileSync(path, 'utf8') } as Partial<Record<F, string>>;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError([{ key, problem: `cannot read ${path} (${reason})` }], { cause: error });
  }
}
