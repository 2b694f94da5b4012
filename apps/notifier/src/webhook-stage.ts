/**
 * The outbound webhooks' consumer handler: which subscriptions an event goes to, queued in
 * the PostgreSQL inbox transaction of the event (pattern 2 of docs/architecture.md), so the
 * Kafka offset is committed only after the deliveries are durable, and a redelivered event
 * queues nothing new. The dispatcher (webhook-dispatcher.ts) sends them.
 *
 * A redriven or replayed event (its id already in the inbox) re-arms its dead deliveries
 * only: subscriptions that delivered it, or are still trying, get nothing new.
 */
import type { FlowlineEvent } from '@flowline/event-schemas';
import type { PostgresInbox } from '@flowline/messaging';
import type { ActiveSubscription, SubscriptionStore } from '@flowline/subscriptions';
import type { DeliveryQueue } from './delivery-queue';
import { structuredCloudEvent } from './notification-message';
import type { WebhookMetrics } from './webhook-metrics';

export interface WebhookStageOptions {
  inbox: PostgresInbox;
  store: SubscriptionStore;
  queue: DeliveryQueue;
  metrics: WebhookMetrics;
  /** Called once deliveries were queued or re-armed: the dispatcher looks at once. */
  onQueued: () => void;
}

export type WebhookStageResult = { kind: 'queued'; subscriptions: number } | { kind: 'duplicate'; rearmed: number };

/** Whether a subscription takes an event: its types, then its content filter. */
export function subscriptionTakes(subscription: ActiveSubscription, event: FlowlineEvent): boolean {
  if (!subscription.types.matches(event.type)) return false;
  return subscription.content === undefined || subscription.content.matches(event);
}

export class WebhookStage {
  constructor(private readonly options: WebhookStageOptions) {}

  async handle(
    event: FlowlineEvent,
    position: { topic: string; partition: number; offset: string },
  ): Promise<WebhookStageResult> {
    const { inbox, store, queue, metrics, onQueued } = this.options;
    // Most domain events match no subscription. Finding that out is one read, outside any
    // transaction: no inbox row, no commit to flush, nothing to deduplicate later (no effect).
    // An event that some subscription takes is decided again inside its inbox transaction.
    if (!(await store.active()).some((subscription) => subscriptionTakes(subscription, event))) {
      return { kind: 'queued', subscriptions: 0 };
    }
    let subscriptions = 0;
    const result = await inbox.runOnce(event.id, async (client) => {
      const taking = (await store.active(client)).filter((subscription) => subscriptionTakes(subscription, event));
      subscriptions = taking.length;
      // Disabled or changed since the read above.
      if (taking.length === 0) return;
      await queue.enqueue(
        client,
        {
          id: event.id,
          type: event.type,
          partitionKey: event.partitionkey,
          body: structuredCloudEvent(event),
          position,
        },
        taking.map((subscription) => subscription.id),
      );
    });
    if (result === 'duplicate') {
      const rearmed = await queue.rearmDead(event.id);
      if (rearmed > 0) onQueued();
      return { kind: 'duplicate', rearmed };
    }
    if (subscriptions > 0) {
      metrics.enqueued.inc({ kind: 'event' });
      metrics.enqueued.inc({ kind: 'delivery' }, subscriptions);
      onQueued();
    }
    return { kind: 'queued', subscriptions };
  }
}
