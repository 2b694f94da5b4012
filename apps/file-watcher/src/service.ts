/**
 * Watches upload folders and publishes finished files to ingress.file (not built yet: the file-watcher issue).
 * For now the service runs its lifecycle — config, ops endpoints, readiness against Kafka,
 * graceful shutdown — and does no work.
 */
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { fileWatcherConfig } from './config';

export const fileWatcher: ServiceDefinition<typeof fileWatcherConfig> = {
  name: 'file-watcher',
  configSchema: fileWatcherConfig,
  build({ config, logger, metrics }) {
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'file-watcher', logger, metrics });
    return { components: [], readiness: [messaging.clusterReadiness()] };
  },
};
