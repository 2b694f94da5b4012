/**
 * Appends every event to the event store (not built yet: the event-store issue).
 * For now the service runs its lifecycle — config, ops endpoints, readiness against Kafka,
 * graceful shutdown — and does no work.
 */
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { eventArchiverConfig } from './config';

export const eventArchiver: ServiceDefinition<typeof eventArchiverConfig> = {
  name: 'event-archiver',
  configSchema: eventArchiverConfig,
  build({ config, logger, metrics }) {
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'event-archiver', logger, metrics });
    return { components: [], readiness: [messaging.clusterReadiness()] };
  },
};
