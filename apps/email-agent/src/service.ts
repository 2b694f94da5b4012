/**
 * The email agent: each `email.incoming` on agent.email is parsed (raw MIME, a provider's
 * form, or JSON fields), classified, and answered on events.domain with `email.classified`
 * (category, confidence, drafted reply for support and order mail) and, for an invoice
 * email, one `invoice.received` per PDF or XML invoice attachment, stored by claim check.
 *
 * Pattern 1 of docs/architecture.md: its only effects are new events plus content-addressed
 * files, so outputs and the input's offset commit in one Kafka transaction, and the
 * attachment is stored before the handler returns (before the events can be seen). A
 * crash, a redrive or a replay runs the handler again: the files are the same objects and
 * the events carry the same ids.
 */
import { FolderClaimStore, PostgresClaimStore, type ClaimCheckStore } from '@flowline/claim-check';
import { errorCode } from '@flowline/errors';
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { createPostgresPool, kafkaSettings, ServiceDefinition, type Component } from '@flowline/service-runtime';
import type { Logger } from '@flowline/telemetry';
import { ChatCompletionsClassifier } from './classifier/chat-completions-classifier';
import type { EmailClassifier } from './classifier/email-classifier';
import { FallbackClassifier } from './classifier/fallback-classifier';
import { LocalEmailClassifier } from './classifier/local-classifier';
import { shippedModel } from './classifier/shipped-model';
import { emailAgentConfig, type EmailAgentConfig } from './config';
import { createEmailAgentMetrics } from './email-agent-metrics';
import { emailOutputs } from './email-outputs';

const DATABASE_TIMEOUT_MS = 10_000;

function claimStore(
  config: EmailAgentConfig,
  logger: Logger,
): { store: ClaimCheckStore & Component; parts: Component[] } {
  if (config.CLAIM_CHECK_STORE === 'folder') {
    const store = new FolderClaimStore(config.CLAIM_CHECK_DIR);
    return { store, parts: [store] };
  }
  const pool = createPostgresPool(
    {
      connectionString: config.DATABASE_URL,
      max: 4,
      timeoutMs: DATABASE_TIMEOUT_MS,
    },
    logger,
    'claim-check database',
  );
  const database: Component = { name: 'database-pool', start: () => Promise.resolve(), stop: () => pool.end() };
  const store = new PostgresClaimStore(pool);
  return { store, parts: [database, store] };
}

export const emailAgent: ServiceDefinition<typeof emailAgentConfig> = {
  name: 'email-agent',
  configSchema: emailAgentConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const input = topics.agent('email');
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'email-agent', logger, metrics });
    await messaging.ensureTopics([input, topics.domainEvents]);
    const agentMetrics = createEmailAgentMetrics(metrics.registry);
    const local = new LocalEmailClassifier(shippedModel);
    const classifier: EmailClassifier =
      config.EMAIL_MODEL_URL === undefined
        ? local
        : new FallbackClassifier(
            new ChatCompletionsClassifier({
              url: config.EMAIL_MODEL_URL,
              model: config.EMAIL_MODEL_NAME ?? '',
              ...(config.EMAIL_MODEL_API_KEY === undefined ? {} : { apiKey: config.EMAIL_MODEL_API_KEY }),
              timeoutMs: config.EMAIL_MODEL_TIMEOUT_MS,
            }),
            local,
            (error) => {
              agentMetrics.modelFallbacks.inc({ code: errorCode(error) ?? 'UNKNOWN' });
              logger.warn({ err: error }, 'the classification model failed; classified by the local classifier');
            },
          );
    const { store, parts } = claimStore(config, logger);
    const publisher = messaging.createPublisher();
    const consumer = messaging.createConsumer({
      groupId: `${config.FLOWLINE_TOPIC_PREFIX}email-agent`,
      topics: [input],
      publisher,
      // Outputs and the input offset in one transaction (pattern 1); see the top of this file.
      transactional: true,
      async handle(event, context) {
        if (event.type !== 'email.incoming') {
          logger.warn({ event_id: event.id, type: event.type }, 'not an email.incoming event; skipped');
          return;
        }
        const outputs = await emailOutputs(event, { classifier, store, replySignature: config.EMAIL_REPLY_SIGNATURE });
        for (const output of outputs.events) context.publish(topics.domainEvents, output);
        for (const document of outputs.missing) {
          logger.warn(
            { event_id: event.id, attachment: document.attachment.filename, reason: document.reason },
            'invoice attachment without content: not announced as invoice.received',
          );
        }
        agentMetrics.classified.inc({
          category: outputs.classification.category,
          classifier: outputs.classification.classifier.split('/')[0] ?? 'unknown',
        });
        agentMetrics.invoiceDocuments.inc({ outcome: 'stored' }, outputs.stored.length);
        agentMetrics.invoiceDocuments.inc({ outcome: 'missing' }, outputs.missing.length);
        logger.info(
          {
            event_id: event.id,
            correlationid: event.correlationid,
            category: outputs.classification.category,
            confidence: outputs.classification.confidence,
            classifier: outputs.classification.classifier,
            invoice_documents: outputs.stored.length,
          },
          'email classified',
        );
      },
    });
    return {
      // Started in order, stopped in reverse: the consumer finishes the email in hand (its
      // attachments stored, its outputs committed) before the store and the producer go.
      components: [...parts, publisher, consumer],
      readiness: [messaging.clusterReadiness(), publisher.readiness(), consumer.readiness()],
    };
  },
};
