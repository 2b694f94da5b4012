/**
 * Prometheus metrics for one service, in its own registry (no global state, so tests and
 * several services in one process do not collide). Names follow Prometheus conventions.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly eventsProduced: Counter<'topic' | 'type'>;
  readonly eventsConsumed: Counter<'topic' | 'type'>;
  readonly handlerErrors: Counter<'topic' | 'type' | 'error'>;
  readonly handlerDuration: Histogram<'topic' | 'type'>;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** Events written to a dead-letter topic; `topic` is where the event was consumed from. */
  readonly dlqWrites: Counter<'topic' | 'type' | 'reason_class'>;
  /** Handler attempts repeated after a retryable failure. */
  readonly retries: Counter<'topic' | 'type'>;
  /** Messages between a partition's end (high watermark) and the group's position in it. */
  readonly consumerLag: Gauge<'topic' | 'partition' | 'group'>;
  /** Events per publish call (1 for a single publish). */
  readonly publishedBatchSize: Histogram;
  /**
   * WAL bytes PostgreSQL keeps for a logical replication slot: from the slot's restart_lsn to
   * the current WAL position. Set by cdc-listener for its slot (CDC_WAL_CHECK_INTERVAL_MS); it
   * grows when changes are not confirmed, and an unconfirmed slot fills the database's disk
   * (alert FlowlineCdcSlotWalRetained).
   */
  readonly cdcSlotRetainedWalBytes: Gauge<'slot'>;
}

export function createServiceMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'flowline_' });
  return {
    registry,
    eventsProduced: new Counter({
      name: 'flowline_events_produced_total',
      help: 'Events the broker acknowledged, by topic and event type',
      labelNames: ['topic', 'type'],
      registers: [registry],
    }),
    eventsConsumed: new Counter({
      name: 'flowline_events_consumed_total',
      help: 'Events handled and committed, by topic and event type',
      labelNames: ['topic', 'type'],
      registers: [registry],
    }),
    handlerErrors: new Counter({
      name: 'flowline_handler_errors_total',
      help: 'Handler failures, by topic, event type and error class',
      labelNames: ['topic', 'type', 'error'],
      registers: [registry],
    }),
    handlerDuration: new Histogram({
      name: 'flowline_handler_duration_seconds',
      help: 'Time a handler took for one event',
      labelNames: ['topic', 'type'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'flowline_http_request_duration_seconds',
      help: 'HTTP request duration, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    dlqWrites: new Counter({
      name: 'flowline_dlq_writes_total',
      help: 'Events written to a dead-letter topic, by source topic, event type and error class',
      labelNames: ['topic', 'type', 'reason_class'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'flowline_retries_total',
      help: 'Handler attempts repeated after a retryable failure, by topic and event type',
      labelNames: ['topic', 'type'],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'flowline_consumer_lag',
      help: "Messages between a partition's end (high watermark) and the consumer group's position",
      labelNames: ['topic', 'partition', 'group'],
      registers: [registry],
    }),
    publishedBatchSize: new Histogram({
      name: 'flowline_events_published_batch_size',
      help: 'Events per publish call',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    cdcSlotRetainedWalBytes: new Gauge({
      name: 'flowline_cdc_slot_retained_wal_bytes',
      help: 'WAL bytes retained for a replication slot: pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)',
      labelNames: ['slot'],
      registers: [registry],
    }),
  };
}
