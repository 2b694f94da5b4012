/**
 * The gateway's metrics per source, in the service's registry (/metrics). A request that
 * names no configured source is counted under `source="(unknown)"`, so a scan of random
 * paths cannot grow the label set.
 */
import { Counter, Histogram } from 'prom-client';
import type { ServiceMetrics } from '@flowline/telemetry';

export const UNKNOWN_SOURCE_LABEL = '(unknown)';

export interface WebhookMetrics {
  /** Webhooks answered 202 after Kafka's ack (first deliveries). */
  accepted: Counter<'source' | 'type'>;
  /** Requests refused, by the error code of the answer (429s are counted apart, in rateLimited). */
  rejected: Counter<'source' | 'reason'>;
  /** Redeliveries answered 202 with the first delivery's event id, not published again. */
  deduplicated: Counter<'source'>;
  /** Requests answered 429. */
  rateLimited: Counter<'source'>;
  /** Time from the request's arrival to its answer, by status. */
  duration: Histogram<'source' | 'status'>;
}

export function createWebhookMetrics(metrics: ServiceMetrics): WebhookMetrics {
  const registers = [metrics.registry];
  return {
    accepted: new Counter({
      name: 'flowline_webhooks_accepted_total',
      help: 'Webhooks accepted (202 after Kafka acknowledged the event), by source and event type',
      labelNames: ['source', 'type'],
      registers,
    }),
    rejected: new Counter({
      name: 'flowline_webhooks_rejected_total',
      help: 'Webhook requests refused, by source and reason (the error code of the answer; 429s are in flowline_webhooks_rate_limited_total)',
      labelNames: ['source', 'reason'],
      registers,
    }),
    deduplicated: new Counter({
      name: 'flowline_webhooks_deduplicated_total',
      help: 'Redelivered webhooks answered with the event id of their first delivery, not published again',
      labelNames: ['source'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'flowline_webhooks_rate_limited_total',
      help: 'Webhook requests answered 429 because the source exceeded its rate',
      labelNames: ['source'],
      registers,
    }),
    duration: new Histogram({
      name: 'flowline_webhook_request_duration_seconds',
      help: 'Time from a webhook request to its answer, by source and status',
      labelNames: ['source', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
