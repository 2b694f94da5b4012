/**
 * Extracts and validates invoices (not built yet: the invoice-agent issue).
 * For now the service runs its lifecycle — config, ops endpoints, readiness against Kafka,
 * graceful shutdown — and does no work.
 */
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { invoiceAgentConfig } from './config';

export const invoiceAgent: ServiceDefinition<typeof invoiceAgentConfig> = {
  name: 'invoice-agent',
  configSchema: invoiceAgentConfig,
  build({ config, logger, metrics }) {
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'invoice-agent', logger, metrics });
    return { components: [], readiness: [messaging.clusterReadiness()] };
  },
};
