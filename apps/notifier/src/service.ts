/**
 * The notifier announces every event of `events.domain` in two ways, each with its own
 * consumer group, so an outage of one never holds back the other:
 *
 * 1. RabbitMQ (group `<prefix>notifier`): the topic exchange `flowline.notifications`
 *    (NOTIFY_EXCHANGE), routing key = event type, persistent, the CloudEvent as the body and
 *    its id as the messageId (notification-message.ts). Pattern 3 of docs/architecture.md: the
 *    handler returns only once RabbitMQ confirmed, the offset is committed after; a crash in
 *    between publishes again with the same messageId, which receivers drop.
 * 2. Outbound webhooks (group `<prefix>notifier-webhooks`): the deliveries an event owes its
 *    subscriptions are queued in PostgreSQL in the event's inbox transaction (pattern 2,
 *    webhook-stage.ts), and a dispatcher sends them, signed (Standard Webhooks, `webhook-id` =
 *    event id), on a retry schedule (webhook-dispatcher.ts). Subscriptions are managed with
 *    `flowline subscriptions`.
 */
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient, PostgresInbox } from '@flowline/messaging';
import { createPostgresPool, kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { SubscriptionStore } from '@flowline/subscriptions';
import { notifierConfig } from './config';
import { DeliveryQueue } from './delivery-queue';
import { notificationMessage } from './notification-message';
import { createNotificationMetrics } from './notification-metrics';
import { RabbitMqPublisher } from './rabbitmq-publisher';
import { WebhookDispatcher } from './webhook-dispatcher';
import { createWebhookMetrics } from './webhook-metrics';
import { WebhookSender } from './webhook-sender';
import { WebhookStage } from './webhook-stage';

/** Bounds on each database query, so an outage shows as failed attempts (retried), not a hang. */
const DATABASE_TIMEOUT_MS = 10_000;

export const notifier: ServiceDefinition<typeof notifierConfig> = {
  name: 'notifier',
  configSchema: notifierConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'notifier', logger, metrics });
    await messaging.ensureTopics([topics.domainEvents]);
    const rabbitmq = new RabbitMqPublisher({
      url: config.AMQP_URL,
      exchange: config.NOTIFY_EXCHANGE,
      confirmTimeoutMs: config.NOTIFY_CONFIRM_TIMEOUT_MS,
      reconnectMaxDelayMs: config.AMQP_RECONNECT_MAX_DELAY_MS,
      logger,
      metrics: createNotificationMetrics(metrics.registry),
    });
    // Dead letters, and the subscription.disabled announcements: the notifier's output goes to RabbitMQ and HTTP.
    const publisher = messaging.createPublisher();
    const consumer = messaging.createConsumer({
      groupId: `${config.FLOWLINE_TOPIC_PREFIX}notifier`,
      topics: [topics.domainEvents],
      publisher,
      // While RabbitMQ is down every attempt fails at once; backoff up to
      // NOTIFY_RETRY_MAX_DELAY_MS over NOTIFY_RETRY_MAX_ATTEMPTS attempts rides out an outage of
      // several minutes (README) before the event goes to events.domain.dlq, to be redriven.
      retry: {
        maxAttempts: config.NOTIFY_RETRY_MAX_ATTEMPTS,
        initialDelayMs: 500,
        maxDelayMs: config.NOTIFY_RETRY_MAX_DELAY_MS,
      },
      async handle(event) {
        await rabbitmq.publish(notificationMessage(event));
        logger.debug({ type: event.type, exchange: config.NOTIFY_EXCHANGE }, 'announced');
      },
    });

    // ---- Outbound webhooks ----
    const webhooksGroup = `${config.FLOWLINE_TOPIC_PREFIX}notifier-webhooks`;
    const pool = createPostgresPool(
      {
        connectionString: config.DATABASE_URL,
        max: 4 + Math.ceil(config.NOTIFY_WEBHOOK_CONCURRENCY / 4),
        timeoutMs: DATABASE_TIMEOUT_MS,
      },
      logger,
      'database',
    );
    const store = new SubscriptionStore(pool, config.FLOWLINE_TOPIC_PREFIX);
    const queue = new DeliveryQueue(pool, config.FLOWLINE_TOPIC_PREFIX);
    const inbox = new PostgresInbox(pool, webhooksGroup);
    const database = {
      name: 'notifier-database',
      start: async () => {
        await store.ensureSchema();
        await queue.ensureSchema();
        await inbox.ensureSchema();
      },
      stop: () => pool.end(),
    };
    const webhookMetrics = createWebhookMetrics(metrics.registry);
    const dispatcher = new WebhookDispatcher({
      pool,
      queue,
      store,
      sender: new WebhookSender({
        timeoutMs: config.NOTIFY_WEBHOOK_TIMEOUT_MS,
        allowedNetworks: config.NOTIFY_WEBHOOK_ALLOWED_NETWORKS,
      }),
      publisher,
      topics: { domainEvents: topics.domainEvents, deadLetter: topics.deadLetter(topics.domainEvents) },
      consumerGroup: webhooksGroup,
      tenant: config.FLOWLINE_TOPIC_PREFIX,
      schedule: config.NOTIFY_WEBHOOK_RETRY_SCHEDULE,
      jitter: config.NOTIFY_WEBHOOK_RETRY_JITTER,
      retryAfterMaxMs: config.NOTIFY_WEBHOOK_RETRY_AFTER_MAX_MS,
      timeoutMs: config.NOTIFY_WEBHOOK_TIMEOUT_MS,
      disableAfter: {
        failures: config.NOTIFY_WEBHOOK_DISABLE_AFTER_FAILURES,
        ms: config.NOTIFY_WEBHOOK_DISABLE_AFTER_MS,
      },
      concurrency: config.NOTIFY_WEBHOOK_CONCURRENCY,
      pollIntervalMs: config.NOTIFY_WEBHOOK_POLL_INTERVAL_MS,
      logger,
      metrics: webhookMetrics,
    });
    const stage = new WebhookStage({ inbox, store, queue, metrics: webhookMetrics, onQueued: () => dispatcher.wake() });
    const webhookConsumer = messaging.createConsumer({
      groupId: webhooksGroup,
      topics: [topics.domainEvents],
      publisher,
      async handle(event, context) {
        const result = await stage.handle(event, {
          topic: context.topic,
          partition: context.partition,
          offset: context.offset,
        });
        logger.debug({ type: event.type, ...result }, 'webhook deliveries queued');
      },
    });
    const databaseReadiness = {
      name: 'database',
      check: async () => {
        await pool.query('SELECT 1');
      },
    };
    return {
      // Started in order, stopped in reverse: on SIGTERM the consumers finish the events in
      // hand (RabbitMQ confirms, queued deliveries) and commit, the dispatcher lets its attempts
      // in flight finish, then the producer, RabbitMQ and the database pool close.
      components: [database, rabbitmq, publisher, dispatcher, webhookConsumer, consumer],
      readiness: [
        messaging.clusterReadiness(),
        rabbitmq.readiness(),
        publisher.readiness(),
        consumer.readiness(),
        webhookConsumer.readiness(),
        databaseReadiness,
      ],
    };
  },
};
