/**
 * Applies changes to target systems (not built yet: the sync-agent issue).
 * For now the service runs its lifecycle — config, ops endpoints, readiness against Kafka,
 * graceful shutdown — and does no work.
 */
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { syncAgentConfig } from './config';

export const syncAgent: ServiceDefinition<typeof syncAgentConfig> = {
  name: 'sync-agent',
  configSchema: syncAgentConfig,
  build({ config, logger, metrics }) {
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'sync-agent', logger, metrics });
    return { components: [], readiness: [messaging.clusterReadiness()] };
  },
};
