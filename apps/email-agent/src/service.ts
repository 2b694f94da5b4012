/**
 * Classifies incoming email (not built yet: the email-agent issue).
 * For now the service runs its lifecycle — config, ops endpoints, readiness against Kafka,
 * graceful shutdown — and does no work.
 */
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { emailAgentConfig } from './config';

export const emailAgent: ServiceDefinition<typeof emailAgentConfig> = {
  name: 'email-agent',
  configSchema: emailAgentConfig,
  build({ config, logger, metrics }) {
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'email-agent', logger, metrics });
    return { components: [], readiness: [messaging.clusterReadiness()] };
  },
};
