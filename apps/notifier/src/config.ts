import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './retry-schedule';
import { ALLOWABLE_NETWORKS, type AllowableNetwork } from './webhook-address-policy';

export const notifierConfig = baseServiceConfig.extend({
  PORT: configFields.port(8088),
  /**
   * The RabbitMQ server. Logged with its password masked (`amqp://guest:[redacted]@…`); a
   * `heartbeat` query parameter is honoured, else 15 s is asked for, so a dead peer is noticed.
   */
  AMQP_URL: configFields.url('amqp://guest:guest@127.0.0.1:5672', ['amqp', 'amqps']),
  /** The topic exchange results are announced on; declared (durable) at start. */
  NOTIFY_EXCHANGE: withExample(
    z
      .string()
      .default('flowline.notifications')
      .pipe(
        z
          .string()
          .max(255)
          // AMQP 0-9-1 exchange names; `amq.` is reserved for the broker's own exchanges.
          .regex(/^[A-Za-z0-9._:-]+$/, "only letters, digits, '.', '_', ':' and '-'")
          .refine((name) => !name.startsWith('amq.'), { message: 'names starting with "amq." are reserved' }),
      ),
    'flowline.notifications',
  ),
  /** How long one publish waits for the broker's confirm before it counts as failed (and is retried). */
  NOTIFY_CONFIRM_TIMEOUT_MS: configFields.positiveInt(10_000),
  /**
   * Attempts per event before it goes to `events.domain.dlq`. The default keeps retrying
   * through a RabbitMQ outage of several minutes (see the README) before dead-lettering.
   */
  NOTIFY_RETRY_MAX_ATTEMPTS: configFields.positiveInt(40),
  /** Longest wait between two attempts of one event (exponential backoff, full jitter). */
  NOTIFY_RETRY_MAX_DELAY_MS: configFields.positiveInt(30_000),
  /** Longest wait between two reconnection attempts (exponential backoff, full jitter). */
  AMQP_RECONNECT_MAX_DELAY_MS: configFields.positiveInt(5_000),

  // ---- Outbound webhooks (subscriptions: `flowline subscriptions add|list|disable|enable`) ----
  /** The subscriptions and the delivery queue (tables created at start if missing). */
  DATABASE_URL: configFields.url('postgres://postgres@127.0.0.1:55432/flowline', ['postgres', 'postgresql']),
  /**
   * When each attempt is made: the delay before the first, then the wait after each failure;
   * as many attempts as entries. Svix's schedule by default.
   */
  NOTIFY_WEBHOOK_RETRY_SCHEDULE: withExample(
    z
      .string()
      .default(DEFAULT_RETRY_SCHEDULE)
      .transform((text, context) => {
        try {
          return parseRetrySchedule(text);
        } catch (error) {
          context.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    '0, 5s, 5m, 30m, 2h, 5h, 10h, 10h',
  ),
  /** Each wait varies by up to this fraction either way, so retries of a shared outage spread out. */
  NOTIFY_WEBHOOK_RETRY_JITTER: withExample(z.coerce.number().min(0).max(1).default(0.2), '0.2'),
  /** One attempt's deadline: connect, send, answer. */
  NOTIFY_WEBHOOK_TIMEOUT_MS: configFields.positiveInt(15_000),
  /** The longest `Retry-After` (429, 503) honoured. */
  NOTIFY_WEBHOOK_RETRY_AFTER_MAX_MS: configFields.positiveInt(6 * 3_600_000),
  /** An endpoint is disabled after this many failed attempts in a row… */
  NOTIFY_WEBHOOK_DISABLE_AFTER_FAILURES: configFields.positiveInt(20),
  /** …once that run of failures has also lasted this long (5 days, as Svix), so a short outage never disables it. */
  NOTIFY_WEBHOOK_DISABLE_AFTER_MS: withExample(
    z.coerce
      .number()
      .int()
      .min(0)
      .default(5 * 86_400_000),
    '432000000',
  ),
  /** Attempts in flight at once, per instance. */
  NOTIFY_WEBHOOK_CONCURRENCY: configFields.positiveInt(16),
  /** How often the queue is looked at for due retries (new events are sent at once). */
  NOTIFY_WEBHOOK_POLL_INTERVAL_MS: configFields.positiveInt(1_000),
  /**
   * Address kinds a webhook may reach besides public ones: `loopback`, `private`,
   * `link-local`, comma-separated. Empty (the default): public addresses only. Reserved ones
   * (0.0.0.0, multicast, documentation ranges) never.
   */
  NOTIFY_WEBHOOK_ALLOWED_NETWORKS: withExample(
    z
      .string()
      .default('')
      .transform((text, context) => {
        const kinds = text
          .split(',')
          .map((kind) => kind.trim())
          .filter((kind) => kind !== '');
        const unknown = kinds.filter((kind) => !(ALLOWABLE_NETWORKS as readonly string[]).includes(kind));
        if (unknown.length > 0) {
          context.addIssue({
            code: 'custom',
            message: `unknown kind ${unknown.map((kind) => `"${kind}"`).join(', ')}: use ${ALLOWABLE_NETWORKS.join(', ')}`,
          });
          return z.NEVER;
        }
        const allowed: ReadonlySet<AllowableNetwork> = new Set(kinds as AllowableNetwork[]);
        return allowed;
      }),
    'loopback,private',
  ),
});
export type NotifierConfig = z.infer<typeof notifierConfig>;
