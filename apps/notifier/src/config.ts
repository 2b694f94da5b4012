import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';

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
  AMQP_RECONNECT_MAX_DELAY_MS: configFields.positiveInt(30_000),
});
export type NotifierConfig = z.infer<typeof notifierConfig>;
