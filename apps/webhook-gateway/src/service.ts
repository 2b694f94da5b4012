import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { gatewayConfig } from './config';
import { webhookRoutes } from './webhook-routes';

export const webhookGateway: ServiceDefinition<typeof gatewayConfig> = {
  name: 'webhook-gateway',
  configSchema: gatewayConfig,
  async build({ config, logger, metrics, http }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'webhook-gateway', logger, metrics });
    await messaging.ensureTopics([topics.ingressWebhook]);
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
