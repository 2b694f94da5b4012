/**
 * Announces results on RabbitMQ and outbound webhooks (not built yet: the notifier issue).
 * For now the service runs its lifecycle — config, ops endpoints, readiness against Kafka,
 * graceful shutdown — and does no work.
 */
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { notifierConfig } from './config';

export const notifier: ServiceDefinition<typeof notifierConfig> = {
  name: 'notifier',
  configSchema: notifierConfig,
  build({ config, logger, metrics }) {
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'notifier', logger, metrics });
    return { components: [], readiness: [messaging.clusterReadiness()] };
  },
};
