/**
 * `subscription.disabled`: the notifier stopped delivering to an outbound webhook endpoint on
 * its own (apps/notifier): the endpoint answered 410 Gone, or its attempts kept failing (a run
 * of consecutive failures that lasted long enough). Its pending deliveries are held until an
 * operator enables it again (`flowline subscriptions enable <id>`). An operator's own
 * `disable` is not announced.
 */
import { z } from 'zod';
import { timestamp } from './field-types';

export const subscriptionDisabledV1 = z
  .object({
    subscriptionId: z
      .string()
      .min(1)
      .meta({ description: 'the subscription, as `flowline subscriptions list` shows it' }),
    endpoint: z
      .string()
      .min(1)
      .meta({ description: "the endpoint's URL without its query string (which may hold a token)" }),
    reason: z.enum(['gone', 'failing']).meta({
      description:
        '`gone`: the endpoint answered 410; `failing`: a run of failed attempts reached the configured limit',
    }),
    message: z.string().meta({ description: 'the reason in words, as `flowline subscriptions list` shows it' }),
    consecutiveFailures: z
      .number()
      .int()
      .nonnegative()
      .meta({ description: 'failed attempts in a row, this one included' }),
    failingSince: timestamp.optional().meta({ description: 'when the run of failures began' }),
    disabledAt: timestamp,
    lastError: z
      .string()
      .optional()
      .meta({ description: 'what the last attempt got, e.g. `HTTP 500` or `timeout after 15000 ms`' }),
  })
  .meta({ description: 'The notifier disabled an outbound webhook endpoint (410 Gone, or failing for too long).' });
