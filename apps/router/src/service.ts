/**
 * The router reads the ingress topics and events.domain and sends each event to the agent
 * topics its rules name (route-event.ts), or an unmatched ingress event to events.unrouted.
 * Forwards and the input offset are committed in one Kafka transaction, so a crash neither
 * loses nor duplicates a forward (e2e/src/router-crash.spec.ts). The rules reload without a
 * restart (live-rules.ts).
 */
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { routerConfig } from './config';
import { LiveRules } from './live-rules';
import { routeEvent } from './route-event';
import { createRouterMetrics } from './router-metrics';

export const router: ServiceDefinition<typeof routerConfig> = {
  name: 'router',
  configSchema: routerConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const ingress = [topics.ingressWebhook, topics.ingressFile, topics.ingressCdc];
    const inputs = [...ingress, topics.domainEvents];
    const outputs = [
      topics.unrouted,
      topics.agent('invoice'),
      topics.agent('email'),
      topics.agent('document'),
      topics.agent('sync'),
    ];
    const routerMetrics = createRouterMetrics(metrics);
    const rules = new LiveRules({
      file: config.ROUTER_RULES_FILE,
      debounceMs: config.ROUTER_RULES_RELOAD_DEBOUNCE_MS,
      logger,
      metrics: routerMetrics,
    });
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'router', logger, metrics });
    await messaging.ensureTopics([...inputs, ...outputs]);
    const publisher = messaging.createPublisher();
    const consumer = messaging.createConsumer({
      groupId: `${config.FLOWLINE_TOPIC_PREFIX}router`,
      topics: inputs,
      publisher,
      // The router's only effect is new events: forward and commit in one Kafka transaction.
      transactional: true,
      sessionTimeoutMs: config.ROUTER_SESSION_TIMEOUT_MS,
      handle(event, context) {
        // One rule set per event: a reload swaps the whole set between events.
        const decision = routeEvent(rules.current, event, context.topic === topics.domainEvents ? 'domain' : 'ingress');
        for (const output of decision.outputs) {
          const topic = topics.agent(output.target);
          if (output.transformed === undefined) context.forward(topic);
          else context.publish(topic, output.transformed);
          routerMetrics.routed.inc({ rule: output.rule, target: output.target });
        }
        for (const skipped of decision.loopsPrevented) {
          routerMetrics.loopsPrevented.inc(skipped);
          logger.warn(
            { event_id: event.id, type: event.type, source: event.source, ...skipped },
            "route skipped: it would send an agent's own event back to it",
          );
        }
        if (decision.unmatched === 'unrouted') context.forward(topics.unrouted);
        if (decision.unmatched !== undefined)
          routerMetrics.unmatched.inc({ topic: context.topic, outcome: decision.unmatched });
        logger.debug(
          {
            event_id: event.id,
            type: event.type,
            targets: decision.outputs.map((output) => output.target),
            rules: decision.outputs.map((output) => output.rule),
            unmatched: decision.unmatched,
          },
          'routed',
        );
        return Promise.resolve();
      },
    });
    return {
      // Rules first: the consumer must not take an event before there are rules to route it by.
      components: [rules, publisher, consumer],
      readiness: [messaging.clusterReadiness(), publisher.readiness(), consumer.readiness()],
    };
  },
};
