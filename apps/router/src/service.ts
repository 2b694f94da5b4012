/**
 * The router forwards each event unchanged (same CloudEvent id) to the topics of the agents
 * its rules name, or to events.unrouted. Forwards and the input offset are committed in one
 * Kafka transaction, so a crash neither loses nor duplicates a forward.
 */
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { routerConfig } from './config';
import { routeEvent } from './route-event';

export const router: ServiceDefinition<typeof routerConfig> = {
  name: 'router',
  configSchema: routerConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const inputs = [topics.ingressWebhook, topics.ingressFile, topics.ingressCdc];
    const outputs = [
      topics.unrouted,
      topics.agent('invoice'),
      topics.agent('email'),
      topics.agent('document'),
      topics.agent('sync'),
    ];
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'router', logger, metrics });
    await messaging.ensureTopics([...inputs, ...outputs]);
    const publisher = messaging.createPublisher();
    const consumer = messaging.createConsumer({
      groupId: `${config.FLOWLINE_TOPIC_PREFIX}router`,
      topics: inputs,
      publisher,
      // The router's only effect is new events: forward and commit in one Kafka transaction.
      transactional: true,
      handle(event, context) {
        const agents = routeEvent(event);
        const targets = agents.length === 0 ? [topics.unrouted] : agents.map((agent) => topics.agent(agent));
        for (const topic of targets) context.forward(topic);
        logger.info({ event_id: event.id, correlationid: event.correlationid, type: event.type, targets }, 'routed');
        return Promise.resolve();
      },
    });
    return {
      components: [publisher, consumer],
      readiness: [messaging.clusterReadiness(), publisher.readiness(), consumer.readiness()],
    };
  },
};
