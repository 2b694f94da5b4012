import { readFileSync } from 'node:fs';
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { createPostgresPool, kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { BodyBudget } from './body-budget';
import { gatewayConfig } from './config';
import { DeliveryRegister } from './delivery-register';
import { SourceRateLimiter } from './rate-limiter';
import { createWebhookMetrics } from './webhook-metrics';
import { webhookRoutes } from './webhook-routes';
import { resolveWebhookSources, webhookSourceSpecs } from './webhook-sources';

/** Bounds on each dedupe query, so a database outage delays an answer by seconds, not minutes. */
const DATABASE_TIMEOUT_MS = 2_000;

export const webhookGateway: ServiceDefinition<typeof gatewayConfig> = {
  name: 'webhook-gateway',
  configSchema: gatewayConfig,
  httpTimeouts: (config) => ({
    // Headers are part of the request: Node refuses a headers timeout above the request timeout.
    headersTimeoutMs: Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS),
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  }),
  async build({ config, logger, metrics, http }) {
    // Config problems (a source's scheme, an unreadable secret file) stop the start, naming the key.
    const sources = resolveWebhookSources(webhookSourceSpecs(config), {
      env: process.env,
      readFile: (path) => readFileSync(path, 'utf8'),
    });
    for (const source of sources) {
      const line = {
        source: source.name,
        kind: source.kind,
        scheme: source.scheme.name,
        secrets: source.secrets.length,
      };
      if (source.scheme.name === 'none') logger.warn(line, 'webhook source accepts unsigned requests');
      else logger.info(line, 'webhook source');
    }

    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'webhook-gateway', logger, metrics });
    await messaging.ensureTopics([topics.ingressWebhook]);
    // A request answered 503 leaves nothing queued behind it: what was not on the wire by then is
    // dropped, so a sender's retry (without a delivery id, a new event) does not make a second copy.
    const publisher = messaging.createPublisher({ deliveryTimeoutMs: config.PUBLISH_TIMEOUT_MS });

    const pool = createPostgresPool(
      {
        connectionString: config.DATABASE_URL,
        max: 10,
        timeoutMs: DATABASE_TIMEOUT_MS,
      },
      logger,
      'dedupe-database',
    );
    const deliveries = new DeliveryRegister(pool, {
      retentionMs: config.WEBHOOK_DEDUPE_RETENTION_HOURS * 3_600_000,
      logger,
    });
    const database = { name: 'dedupe-pool', start: () => Promise.resolve(), stop: () => pool.end() };

    http.use(
      webhookRoutes({
        sources,
        publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
        publish: (event) => publisher.publish(topics.ingressWebhook, event),
        deliveries,
        rateLimiter: new SourceRateLimiter(new Map(sources.map((source) => [source.name, source.rateLimit]))),
        bodyBudget: new BodyBudget(config.WEBHOOK_MAX_INFLIGHT_BODY_BYTES),
        metrics: createWebhookMetrics(metrics),
        logger,
      }),
    );
    return {
      // Stopped in reverse: the publisher drains (every accepted event acknowledged) before the pool closes.
      components: [database, deliveries, publisher],
      readiness: [messaging.clusterReadiness(), publisher.readiness(), deliveries.readiness()],
    };
  },
};
