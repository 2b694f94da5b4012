/** The notifier's own Prometheus metrics, registered in the service's registry (next to the shared ones). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface NotificationMetrics {
  /** Messages the broker confirmed, by event type. */
  readonly published: Counter<'type'>;
  /** From publish to the broker's confirm. */
  readonly confirmSeconds: Histogram;
  /** Connections re-established after a loss (the first connection is not counted). */
  readonly reconnects: Counter;
  /** 1 while connected to RabbitMQ, 0 otherwise. */
  readonly connected: Gauge;
}

export function createNotificationMetrics(registry: Registry): NotificationMetrics {
  return {
    published: new Counter({
      name: 'flowline_notifications_published_total',
      help: 'Notifications RabbitMQ confirmed, by event type',
      labelNames: ['type'],
      registers: [registry],
    }),
    confirmSeconds: new Histogram({
      name: 'flowline_notification_confirm_seconds',
      help: "Time from a notification's publish to RabbitMQ's confirm",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    reconnects: new Counter({
      name: 'flowline_rabbitmq_reconnects_total',
      help: 'Connections to RabbitMQ re-established after a loss',
      registers: [registry],
    }),
    connected: new Gauge({
      name: 'flowline_rabbitmq_connected',
      help: '1 while the notifier is connected to RabbitMQ, 0 otherwise',
      registers: [registry],
    }),
  };
}
