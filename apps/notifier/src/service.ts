/**
 * The notifier announces every event of `events.domain` on the RabbitMQ topic exchange
 * `flowline.notifications` (NOTIFY_EXCHANGE): routing key = event type, persistent, the
 * CloudEvent as the body and its id as the messageId (notification-message.ts).
 *
 * Pattern 3 of docs/architecture.md, a stage with an outside effect. Its effect is not in
 * Kafka, so the consumer is not transactional: the handler returns only once RabbitMQ
 * confirmed the publish, and the offset is committed after the handler returned. A crash
 * between the confirm and the commit publishes the event again, with the same messageId:
 * at-least-once to RabbitMQ, and receivers drop the duplicate by messageId.
 *
 * Outbound webhooks come with the notifier issue.
 */
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { notifierConfig } from './config';
import { notificationMessage } from './notification-message';
import { createNotificationMetrics } from './notification-metrics';
import { RabbitMqPublisher } from './rabbitmq-publisher';

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
    // Sends dead letters only: the notifier's output goes to RabbitMQ.
    const deadLetters = messaging.createPublisher();
    const consumer = messaging.createConsumer({
      groupId: `${config.FLOWLINE_TOPIC_PREFIX}notifier`,
      topics: [topics.domainEvents],
      publisher: deadLetters,
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
    return {
      // Started in order, stopped in reverse: on SIGTERM the consumer finishes the events in
      // hand (their confirms included) and commits, then the dead-letter producer, then RabbitMQ.
      components: [rabbitmq, deadLetters, consumer],
      readiness: [messaging.clusterReadiness(), rabbitmq.readiness(), deadLetters.readiness(), consumer.readiness()],
    };
  },
};
