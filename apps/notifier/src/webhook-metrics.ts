/** The outbound webhooks' Prometheus metrics, registered in the service's registry. */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface WebhookMetrics {
  /** Attempts by outcome: delivered, failed, gone (410), refused (an address the policy forbids). */
  readonly attempts: Counter<'outcome'>;
  /** Deliveries that ended: delivered, or dead (schedule used up, dead-lettered). */
  readonly deliveries: Counter<'outcome'>;
  /** One attempt: request to answer. */
  readonly attemptSeconds: Histogram;
  /** Event queued to delivered, retries included. */
  readonly deliverySeconds: Histogram;
  /** Endpoints the notifier disabled, by reason: gone, failing. */
  readonly endpointsDisabled: Counter<'reason'>;
  /** Events queued for at least one subscription, and deliveries queued. */
  readonly enqueued: Counter<'kind'>;
}

export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  return {
    attempts: new Counter({
      name: 'flowline_webhook_attempts_total',
      help: 'Outbound webhook attempts, by outcome (delivered, failed, gone, refused)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'flowline_webhook_deliveries_total',
      help: 'Outbound webhook deliveries that ended, by outcome (delivered, dead)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    attemptSeconds: new Histogram({
      name: 'flowline_webhook_attempt_seconds',
      help: "Time of one outbound webhook attempt, request to the receiver's answer",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers: [registry],
    }),
    deliverySeconds: new Histogram({
      name: 'flowline_webhook_delivery_seconds',
      help: 'Time from an event queued for a subscription to its delivery, retries included',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300, 1800, 7200, 36000, 100000],
      registers: [registry],
    }),
    endpointsDisabled: new Counter({
      name: 'flowline_webhook_endpoints_disabled_total',
      help: 'Outbound webhook endpoints the notifier disabled, by reason (gone, failing)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    enqueued: new Counter({
      name: 'flowline_webhook_enqueued_total',
      help: 'Outbound webhook work queued: events (kind=event) and deliveries (kind=delivery)',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}
