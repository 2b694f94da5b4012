import { createServiceMetrics } from './metrics';

describe('createServiceMetrics', () => {
  it('exposes DLQ writes, retries, consumer lag and publish batch sizes with their labels', async () => {
    const metrics = createServiceMetrics('router');
    metrics.dlqWrites.inc({ topic: 'ingress.webhook', type: 'webhook.received', reason_class: 'NonRetryableError' });
    metrics.retries.inc({ topic: 'ingress.webhook', type: 'webhook.received' });
    metrics.consumerLag.set({ topic: 'ingress.webhook', partition: '0', group: 'router' }, 42);
    metrics.publishedBatchSize.observe(10);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'flowline_dlq_writes_total{topic="ingress.webhook",type="webhook.received",reason_class="NonRetryableError",service="router"} 1',
    );
    expect(text).toContain(
      'flowline_retries_total{topic="ingress.webhook",type="webhook.received",service="router"} 1',
    );
    expect(text).toContain(
      'flowline_consumer_lag{topic="ingress.webhook",partition="0",group="router",service="router"} 42',
    );
    expect(text).toContain('flowline_events_published_batch_size_bucket{le="10",service="router"} 1');
  });

  it('exposes the WAL bytes a CDC replication slot retains, by slot', async () => {
    const metrics = createServiceMetrics('cdc-listener');
    metrics.cdcSlotRetainedWalBytes.set({ slot: 'flowline_cdc' }, 16_777_216);
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE flowline_cdc_slot_retained_wal_bytes gauge');
    expect(text).toContain('flowline_cdc_slot_retained_wal_bytes{slot="flowline_cdc",service="cdc-listener"} 16777216');
  });

  it('keeps each service’s metrics in its own registry', async () => {
    const a = createServiceMetrics('a');
    const b = createServiceMetrics('b');
    a.retries.inc({ topic: 't', type: 'x' });
    expect(await b.registry.metrics()).not.toContain('flowline_retries_total{');
  });
});
