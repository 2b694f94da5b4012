import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';
import { SIGNATURE_SCHEMES, SOURCE_KINDS, SOURCE_NAME } from './webhook-sources';

const flag = (fallback: boolean) =>
  withExample(
    z
      .enum(['true', 'false'])
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true'),
    String(fallback),
  );

/**
 * Sources come from the YAML config file's `sources:` list (FLOWLINE_CONFIG_FILE), checked in
 * detail at start by webhook-sources.ts, or one source from the WEBHOOK_SOURCE_NAME keys
 * below; with neither, the unsigned local source `sample`. The per-source settings default to
 * the WEBHOOK_* values here.
 */
export const gatewayConfig = baseServiceConfig.extend({
  PORT: configFields.port(8080),
  /** Dedupe records (webhook_deliveries). */
  DATABASE_URL: configFields.url('postgres://postgres@127.0.0.1:55432/flowline', ['postgres', 'postgresql']),
  sources: withExample(
    z
      .array(z.record(z.string(), z.unknown()), { error: 'a YAML list of sources (name, scheme, secrets, …)' })
      .optional(),
    '[{ name: github, scheme: github, secrets: [{ env: GITHUB_WEBHOOK_SECRET }] }]',
  ),
  /** One source configured by environment alone (with the keys below); not together with `sources`. */
  WEBHOOK_SOURCE_NAME: withExample(
    z.string().regex(SOURCE_NAME, 'source names are lower-case letters, digits and -').optional(),
    'github',
  ),
  WEBHOOK_SCHEME: withExample(z.enum(SIGNATURE_SCHEMES).optional(), 'standard-webhooks'),
  WEBHOOK_KIND: withExample(z.enum(SOURCE_KINDS).default('webhook'), 'email'),
  WEBHOOK_SECRET: z.string().optional(),
  /** Several secret values, comma-separated (during a rotation). */
  WEBHOOK_SECRETS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((secret) => secret.trim())
        .filter((secret) => secret !== ''),
    )
    .optional(),
  /** A file holding the secret(s), one per line: a Kubernetes Secret mounted as files. */
  WEBHOOK_SECRET_FILE: withExample(z.string().min(1).optional(), '/etc/flowline/webhook-secrets/github'),
  WEBHOOK_ALLOW_UNSIGNED: flag(false),
  WEBHOOK_SIGNATURE_HEADER: withExample(z.string().optional(), 'X-Signature'),
  WEBHOOK_SIGNATURE_PREFIX: withExample(z.string().default(''), 'sha256='),
  WEBHOOK_SIGNATURE_ENCODING: withExample(z.enum(['hex', 'base64']).default('hex'), 'base64'),
  /**
   * Body size limit per request (a source's `maxBodyBytes` overrides it). Below Kafka's default
   * message.max.bytes (1 MiB), which must also hold the event's headers.
   */
  WEBHOOK_MAX_BODY_BYTES: configFields.positiveInt(1_000_000),
  /**
   * Request body bytes held at once, all sources together (body-budget.ts): past it a request
   * is answered 503 (Retry-After: 1). Each held byte costs about six in memory until Kafka acks.
   */
  WEBHOOK_MAX_INFLIGHT_BODY_BYTES: configFields.positiveInt(32_000_000),
  WEBHOOK_RATE_LIMIT_PER_MINUTE: configFields.positiveInt(100),
  /** Requests a source may send at once before the per-minute rate applies (default: the per-minute rate). */
  WEBHOOK_RATE_LIMIT_BURST: withExample(z.coerce.number().int().positive().optional(), '20'),
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: configFields.positiveInt(300),
  /** How long a delivery id is remembered, so its redeliveries are not published again (7 days). */
  WEBHOOK_DEDUPE_RETENTION_HOURS: configFields.positiveInt(168),
  /**
   * How long a request waits for Kafka's acknowledgement before answering 503. Below the
   * senders' own timeouts (GitHub gives up after 10 s), so they see the 503 and retry.
   */
  PUBLISH_TIMEOUT_MS: configFields.positiveInt(5_000),
  /**
   * A client must have sent its headers within HTTP_HEADERS_TIMEOUT_MS and its whole request
   * within HTTP_REQUEST_TIMEOUT_MS, or the connection is answered 408 and closed: a slow
   * client (slowloris, one byte a second) cannot hold a socket for long. A 1 MB body at a
   * modest 100 kB/s takes 10 s. An idle keep-alive connection closes after HTTP_KEEP_ALIVE_TIMEOUT_MS.
   */
  HTTP_HEADERS_TIMEOUT_MS: configFields.positiveInt(10_000),
  HTTP_REQUEST_TIMEOUT_MS: configFields.positiveInt(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: configFields.positiveInt(5_000),
  /** Replaced by `sources:` in the config file or WEBHOOK_SOURCE_NAME (README "Migrating from WEBHOOK_SOURCES"). */
  WEBHOOK_SOURCES: z
    .string()
    .refine(() => false, {
      message:
        'WEBHOOK_SOURCES is no longer read: list sources (with their signature schemes) under sources: in the YAML config file, or set WEBHOOK_SOURCE_NAME and WEBHOOK_SCHEME; see apps/webhook-gateway/README.md',
    })
    .optional(),
});
export type GatewayConfig = z.infer<typeof gatewayConfig>;
