/**
 * The document agent turns each input on agent.document into a document.processed event
 * on events.domain, caused by the input (same correlation id, causation id = input id).
 */
import { createEvent, derivedEventId, topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { documentAgentConfig } from './config';
import { processDocument } from './process-document';

export const documentAgent: ServiceDefinition<typeof documentAgentConfig> = {
  name: 'document-agent',
  configSchema: documentAgentConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const input = topics.agent('document');
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'document-agent', logger, metrics });
    await messaging.ensureTopics([input, topics.domainEvents]);
    const publisher = messaging.createPublisher();
    const consumer = messaging.createConsumer({
      groupId: `${config.FLOWLINE_TOPIC_PREFIX}document-agent`,
      topics: [input],
      publisher,
      // Its only effect is a new event: output and input offset commit in one transaction.
      transactional: true,
      handle(event, context) {
        const document = processDocument(event);
        if (document === undefined) {
          logger.warn({ event_id: event.id, type: event.type }, 'not a document event; skipped');
          return Promise.resolve();
        }
        const processed = createEvent('document.processed', document, {
          source: '/document-agent',
          // Same input, same output id: a redelivered input is recognisably the same event.
          id: derivedEventId(event.id, 'document.processed'),
          causedBy: event,
          partitionKey: event.partitionkey,
        });
        context.publish(topics.domainEvents, processed);
        logger.info(
          { event_id: processed.id, correlationid: processed.correlationid, causationid: event.id },
          'document processed',
        );
        return Promise.resolve();
      },
    });
    return {
      components: [publisher, consumer],
      readiness: [messaging.clusterReadiness(), publisher.readiness(), consumer.readiness()],
    };
  },
};
