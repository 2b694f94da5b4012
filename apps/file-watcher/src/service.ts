/**
 * Watches upload folders and publishes finished files to ingress.file (not built yet: the file-watcher issue).
 * For now the service runs its lifecycle — config, ops endpoints, readiness against Kafka,
 * graceful shutdown — and does no work.
 */
import { MessagingClient } from '@flowline/messaging';
import type { ServiceDefinition } from '@flowline/service-runtime';
import { fileWatcherConfig } from './config';

export const fileWatcher: ServiceDefinition<typeof fileWatcherConfig> = {
  name: 'file-watcher',
  configSchema: fileWatcherConfig,
  build({ config, logger, metrics }) {
    const messaging = new MessagingClient({ brokers: config.KAFKA_BROKERS, clientId: 'file-watcher', logger, metrics });
    return { components: [], readiness: [messaging.clusterReadiness()] };
  },
};
