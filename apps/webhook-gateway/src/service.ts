import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import type { ServiceDefinition } from '@flowline/service-runtime';
import { gatewayConfig } from './config';
import { webhookRoutes } from './webhook-routes';

export const webhookGateway: ServiceDefinition<typeof gatewayConfig> = {
  name: 'webhook-gateway',
  configSchema: gatewayConfig,
  async build({ config, logger, metrics, http }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const messaging = new MessagingClient({ brokers: config.KAFKA_BROKERS, clientId: 'webhook-gateway', logger, metrics });
    await messaging.ensureTopics([{ name: topics.ingressWebhook, partitions: config.KAFKA_TOPIC_PARTITIONS }]);
    const publisher = messaging.createPublisher();
    http.use(
      webhookRoutes({
        sources: config.WEBHOOK_SOURCES,
        maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES,
        publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
        publish: (event) => publisher.publish(topics.ingressWebhook, event),
        logger,
      }),
    );
    return {
      components: [publisher],
      readiness: [messaging.clusterReadiness(), publisher.readiness()],
    };
  },
};
