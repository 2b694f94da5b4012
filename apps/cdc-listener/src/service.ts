/**
 * Streams PostgreSQL WAL and MongoDB change streams to ingress.cdc (not built yet: the CDC issue).
 * For now the service runs its lifecycle — config, ops endpoints, readiness against Kafka,
 * graceful shutdown — and does no work.
 */
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { cdcListenerConfig } from './config';

export const cdcListener: ServiceDefinition<typeof cdcListenerConfig> = {
  name: 'cdc-listener',
  configSchema: cdcListenerConfig,
  build({ config, logger, metrics }) {
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'cdc-listener', logger, metrics });
    return { components: [], readiness: [messaging.clusterReadiness()] };
  },
};
