/**
 * Sends the queued outbound webhooks (delivery-queue.ts): claims due deliveries, signs each
 * with its subscription's secret (Standard Webhooks; `webhook-id` = the event id, the same on
 * every retry, so receivers drop duplicates), POSTs it (webhook-sender.ts) and records the
 * outcome with the endpoint's run of failures in one PostgreSQL transaction:
 *
 * - delivered (2xx): done, the endpoint's run of failures ends;
 * - failed: the next attempt on the retry schedule (retry-schedule.ts; `Retry-After` honoured),
 *   or, when the schedule is used up, a dead letter on `events.domain.dlq` (acknowledged by
 *   Kafka before the row is marked dead), redrivable with `flowline dlq redrive`;
 * - 410 Gone: the subscription is disabled; the delivery stays pending, held until an
 *   operator enables the subscription again.
 *
 * A run of failures that reached the configured count and lasted the configured time disables
 * the endpoint too. Each endpoint the notifier disabled is announced as `subscription.disabled`
 * on `events.domain`, after the disable committed, from a flag in its row: a crash in between
 * announces it at the next start (same event id).
 */
import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient } from 'pg';
import { createEvent, decodeEvent, DLQ_HEADERS, encodeEvent, stableEventId } from '@flowline/event-schemas';
import type { EventPublisher } from '@flowline/messaging';
import type { DisabledEndpoint, SubscriptionStore } from '@flowline/subscriptions';
import type { Logger } from '@flowline/telemetry';
import { signStandardWebhook } from '@flowline/webhooks';
import { NOTIFICATION_CONTENT_TYPE } from './notification-message';
import type { ClaimedDelivery, DeliveryQueue } from './delivery-queue';
import { nextAttemptDelay } from './retry-schedule';
import type { WebhookMetrics } from './webhook-metrics';
import type { AttemptOutcome } from './webhook-outcome';
import type { WebhookRequest } from './webhook-sender';

export interface WebhookDispatcherOptions {
  pool: Pool;
  queue: DeliveryQueue;
  store: SubscriptionStore;
  sender: { send(request: WebhookRequest): Promise<AttemptOutcome>; stop(): void };
  /** Dead letters and `subscription.disabled` announcements. */
  publisher: Pick<EventPublisher, 'publish' | 'publishRecord'>;
  topics: { domainEvents: string; deadLetter: string };
  /** Named in a dead letter's `flowline-dlq-consumer-group`. */
  consumerGroup: string;
  tenant: string;
  schedule: readonly number[];
  jitter: number;
  retryAfterMaxMs: number;
  timeoutMs: number;
  disableAfter: { failures: number; ms: number };
  concurrency: number;
  pollIntervalMs: number;
  logger: Logger;
  metrics: WebhookMetrics;
  random?: () => number;
}

/** Names the subscription a dead letter was for (dropped by a redrive, like every flowline-dlq-* header). */
export const DLQ_SUBSCRIPTION_HEADER = 'flowline-dlq-subscription-id';

export class WebhookDispatcher {
  readonly name = 'webhook-dispatcher';
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private announcementDue = true;
  private readonly deliveredMarks: {
    delivery: ClaimedDelivery;
    status: number;
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];
  private flushingMarks = false;
  private readonly random: () => number;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.random = options.random ?? Math.random;
  }

  start(): Promise<void> {
    this.running = true;
    this.loop = this.run();
    return Promise.resolve();
  }

  /** Stops claiming, lets the attempts in flight finish (each bounded by its timeout), then closes connections. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    this.options.sender.stop();
  }

  /** New deliveries were queued (or an endpoint was disabled): look at once instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const { concurrency, pollIntervalMs, timeoutMs, logger } = this.options;
    // An attempt's lease: past its deadline, with room for recording the outcome.
    const leaseMs = timeoutMs + 30_000;
    while (this.running) {
      this.woken = false;
      let timedOut = false;
      try {
        if (this.announcementDue) {
          this.announcementDue = false;
          await this.announceDisabledEndpoints();
        }
        const free = concurrency - this.inFlight.size;
        // Claim in batches: a query per freed slot would cost more than the attempts.
        if (free >= Math.ceil(concurrency / 4) || (free > 0 && this.inFlight.size === 0)) {
          const claimed = await this.options.queue.claimDue(free, leaseMs);
          for (const delivery of claimed) this.track(this.attempt(delivery));
        }
      } catch (error) {
        logger.warn({ err: error }, 'webhook dispatcher: claiming or announcing failed; trying again at the next poll');
      }
      if (!this.running) break;
      if (!this.woken) timedOut = await this.idle(pollIntervalMs);
      // Another instance's disable, or an announcement that failed, is picked up by the poll.
      if (timedOut) this.announcementDue = true;
    }
  }

  /** Waits for a wake-up (new work, a free slot) or the poll interval; true when it was the interval. */
  private idle(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve(true);
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve(false);
      };
    });
  }

  private track(attempt: Promise<void>): void {
    this.inFlight.add(attempt);
    void attempt.finally(() => {
      this.inFlight.delete(attempt);
      this.wake();
    });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { sender, metrics, logger } = this.options;
    const context = {
      subscription_id: delivery.subscriptionId,
      event_id: delivery.event.id,
      type: delivery.event.type,
      attempt: delivery.attempts + 1,
    };
    try {
      const headers = signStandardWebhook(delivery.event.body, {
        id: delivery.event.id,
        timestamp: new Date(),
        secrets: [delivery.secret],
      });
      const started = performance.now();
      const outcome = await sender.send({ url: delivery.url, body: delivery.event.body, headers });
      metrics.attemptSeconds.observe((performance.now() - started) / 1_000);
      if (outcome.kind === 'delivered') {
        await this.delivered(delivery, outcome.status);
        logger.debug({ ...context, status: outcome.status }, 'webhook delivered');
      } else if (outcome.kind === 'gone') {
        await this.gone(delivery, outcome.error);
        logger.warn({ ...context, url: endpointOf(delivery.url) }, 'webhook endpoint answered 410 Gone: disabled');
      } else {
        const next = await this.recordFailure(delivery, outcome);
        logger.warn(
          { ...context, error: outcome.error, status: outcome.status, next_attempt_in_ms: next ?? null },
          next === undefined ? 'webhook attempt failed: schedule used up, dead-lettered' : 'webhook attempt failed',
        );
      }
    } catch (error) {
      // The row stays leased; it is tried again when the lease runs out.
      logger.error({ ...context, err: error }, 'webhook attempt could not be recorded; retried after its lease');
    }
  }

  private async delivered(delivery: ClaimedDelivery, status: number): Promise<void> {
    if (delivery.subscriptionFailures === 0) {
      // The common case, no run of failures to end: recorded with the other attempts that
      // finished meanwhile, in one statement and one commit.
      await this.recordDeliveredTogether(delivery, status);
    } else {
      await this.transaction(async (client) => {
        await this.options.queue.markDelivered(client, delivery, status);
        await this.options.store.recordDelivered(delivery.subscriptionId, client);
      });
    }
    this.options.metrics.attempts.inc({ outcome: 'delivered' });
    this.options.metrics.deliveries.inc({ outcome: 'delivered' });
    this.options.metrics.deliverySeconds.observe((Date.now() - delivery.enqueuedAt.getTime()) / 1_000);
  }

  private async gone(delivery: ClaimedDelivery, error: string): Promise<void> {
    await this.transaction(async (client) => {
      // Held (pending, due) until the subscription is enabled again.
      await this.options.queue.markFailed(client, delivery, { error, status: 410, delayMs: 0 });
      await this.options.store.disableGone(delivery.subscriptionId, 'the endpoint answered 410 Gone', error, client);
    });
    this.options.metrics.attempts.inc({ outcome: 'gone' });
    this.announcementDue = true;
  }

  /**
   * Group commit of delivered marks: the first waits for the statement in progress (if any)
   * to finish, then writes every mark that queued up meanwhile. A crash before the commit
   * sends those deliveries again after their lease, with the same webhook-id.
   */
  private recordDeliveredTogether(delivery: ClaimedDelivery, status: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.deliveredMarks.push({ delivery, status, resolve, reject });
      if (!this.flushingMarks) void this.flushDeliveredMarks();
    });
  }

  private async flushDeliveredMarks(): Promise<void> {
    this.flushingMarks = true;
    try {
      while (this.deliveredMarks.length > 0) {
        const batch = this.deliveredMarks.splice(0);
        try {
          await this.options.queue.markManyDelivered(this.options.pool, batch);
          for (const mark of batch) mark.resolve();
        } catch (error) {
          for (const mark of batch) mark.reject(error);
        }
      }
    } finally {
      this.flushingMarks = false;
    }
  }

  /** Records a failed attempt; the delay before the next one, or undefined when it was the last. */
  private async recordFailure(
    delivery: ClaimedDelivery,
    outcome: Extract<AttemptOutcome, { kind: 'failed' }>,
  ): Promise<number | undefined> {
    const { schedule, jitter, retryAfterMaxMs, disableAfter, metrics } = this.options;
    const delayMs = nextAttemptDelay({
      schedule,
      attemptsMade: delivery.attempts + 1,
      jitter,
      retryAfterMs: outcome.retryAfterMs,
      retryAfterMaxMs,
      random: this.random,
    });
    if (delayMs === undefined) await this.deadLetter(delivery, outcome.error);
    let disabledNow = false;
    await this.transaction(async (client) => {
      await this.options.queue.markFailed(client, delivery, { error: outcome.error, status: outcome.status, delayMs });
      const run = await this.options.store.recordFailed(
        delivery.subscriptionId,
        disableAfter,
        (failures, since) =>
          `${failures} failed attempts in a row since ${since.toISOString()} (last: ${outcome.error})`,
        outcome.error,
        client,
      );
      disabledNow = run.disabledNow;
    });
    metrics.attempts.inc({ outcome: outcome.refused === true ? 'refused' : 'failed' });
    if (delayMs === undefined) metrics.deliveries.inc({ outcome: 'dead' });
    if (disabledNow) this.announcementDue = true;
    return delayMs;
  }

  /** The event as a dead letter of events.domain, with why; acknowledged before the row is marked dead. */
  private async deadLetter(delivery: ClaimedDelivery, error: string): Promise<void> {
    const { event } = delivery;
    const attempts = delivery.attempts + 1;
    const structured = {
      key: event.partitionKey,
      value: event.body,
      headers: { 'content-type': NOTIFICATION_CONTENT_TYPE },
    };
    let record: { key: string; value: Buffer; headers: Record<string, string> };
    try {
      // Binary mode, as every other dead letter (flowline dlq list reads ce_* headers).
      record = encodeEvent(decodeEvent(structured));
    } catch {
      // Redrive sends a structured-mode record on as it is; consumers read it as the same event.
      record = structured;
    }
    const now = new Date();
    await this.options.publisher.publishRecord(
      this.options.topics.deadLetter,
      {
        key: record.key,
        value: record.value,
        headers: {
          ...record.headers,
          [DLQ_HEADERS.reason]: `webhook to ${endpointOf(delivery.url)} failed ${attempts} times; last: ${error}`,
          [DLQ_HEADERS.errorClass]: 'WebhookDeliveryFailed',
          [DLQ_HEADERS.errorCode]: 'WEBHOOK_DELIVERY_FAILED',
          [DLQ_HEADERS.stack]: '',
          [DLQ_HEADERS.attempts]: String(attempts),
          [DLQ_HEADERS.originalTopic]: event.position.topic,
          [DLQ_HEADERS.originalPartition]: String(event.position.partition),
          [DLQ_HEADERS.originalOffset]: event.position.offset,
          [DLQ_HEADERS.firstFailure]: (delivery.firstFailureAt ?? now).toISOString(),
          [DLQ_HEADERS.lastFailure]: now.toISOString(),
          [DLQ_HEADERS.consumerGroup]: this.options.consumerGroup,
          [DLQ_SUBSCRIPTION_HEADER]: delivery.subscriptionId,
        },
      },
      event.type,
      event.id,
    );
  }

  private async announceDisabledEndpoints(): Promise<void> {
    const { store, publisher, topics, metrics, logger, tenant } = this.options;
    for (const endpoint of await store.pendingAnnouncements()) {
      const disabledAt = endpoint.disabledAt ?? new Date();
      await publisher.publish(
        topics.domainEvents,
        createEvent('subscription.disabled', announcement(endpoint, disabledAt), {
          source: '/notifier',
          // The same disable is the same event, announced again after a crash.
          id: stableEventId('subscription.disabled', tenant, endpoint.id, disabledAt.toISOString()),
          partitionKey: endpoint.id,
          subject: endpoint.id,
          time: disabledAt,
        }),
      );
      await store.markAnnounced(endpoint.id, disabledAt);
      metrics.endpointsDisabled.inc({ reason: endpoint.kind });
      logger.warn(
        { subscription_id: endpoint.id, reason: endpoint.kind, message: endpoint.disabledReason },
        'webhook endpoint disabled; announced as subscription.disabled',
      );
    }
  }

  private async transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function announcement(endpoint: DisabledEndpoint, disabledAt: Date) {
  return {
    subscriptionId: endpoint.id,
    endpoint: endpointOf(endpoint.url),
    reason: endpoint.kind,
    message: endpoint.disabledReason ?? endpoint.kind,
    consecutiveFailures: endpoint.consecutiveFailures,
    ...(endpoint.failingSince === null ? {} : { failingSince: endpoint.failingSince.toISOString() }),
    disabledAt: disabledAt.toISOString(),
    ...(endpoint.lastError === null ? {} : { lastError: endpoint.lastError }),
  };
}

/** The URL without its query string, which may carry a token. */
export function endpointOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
