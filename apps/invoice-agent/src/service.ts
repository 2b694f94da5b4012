/**
 * The invoice agent: `invoice.received` on agent.invoice → `invoice.processed` on
 * events.domain, caused by the input (same correlation id, causation id = input id).
 *
 * Pattern 2 of docs/architecture.md: its effect is a decision row in PostgreSQL, written in
 * the inbox transaction of the input id (invoice-stage.ts), so the consumer is not
 * transactional; the output is published whatever the inbox answered, under a derived id, and
 * the offset is committed after the output's ack. Failures a retry cannot fix (a missing,
 * encrypted or unreadable document, an unsupported format) are dead-lettered at once with
 * their code; a database or model outage is retried with backoff.
 */
import { FolderClaimStore, PostgresClaimStore } from '@flowline/claim-check';
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient, PostgresInbox } from '@flowline/messaging';
import { createPostgresPool, kafkaSettings, type ServiceDefinition } from '@flowline/service-runtime';
import { invoiceAgentConfig, modelApiKey } from './config';
import { DocumentFetcher } from './document-fetcher';
import type { InvoiceExtractor } from './extracted-invoice';
import { createInvoiceMetrics } from './invoice-metrics';
import { InvoiceRegister } from './invoice-register';
import { InvoiceStage } from './invoice-stage';
import { ModelInvoiceExtractor } from './model-invoice-extractor';
import { RulesInvoiceExtractor } from './rules-invoice-extractor';

/** Bounds on each database query, so an outage shows as failed attempts (retried), not a hang. */
const DATABASE_TIMEOUT_MS = 10_000;

export const invoiceAgent: ServiceDefinition<typeof invoiceAgentConfig> = {
  name: 'invoice-agent',
  configSchema: invoiceAgentConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const input = topics.agent('invoice');
    const groupId = `${config.FLOWLINE_TOPIC_PREFIX}invoice-agent`;
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'invoice-agent', logger, metrics });
    await messaging.ensureTopics([input, topics.domainEvents]);

    const pool = createPostgresPool(
      {
        connectionString: config.DATABASE_URL,
        max: 4,
        timeoutMs: DATABASE_TIMEOUT_MS,
      },
      logger,
      'database',
    );
    const register = new InvoiceRegister(pool, config.FLOWLINE_TOPIC_PREFIX);
    const inbox = new PostgresInbox(pool, groupId);
    const database = {
      name: 'invoice-database',
      start: async () => {
        await register.ensureSchema();
        await inbox.ensureSchema();
      },
      stop: () => pool.end(),
    };

    const rules = new RulesInvoiceExtractor();
    const apiKey = modelApiKey(config);
    const extractor: InvoiceExtractor =
      config.INVOICE_EXTRACTOR === 'model'
        ? new ModelInvoiceExtractor({
            url: config.INVOICE_MODEL_URL as string,
            model: config.INVOICE_MODEL_NAME as string,
            ...(apiKey === undefined ? {} : { apiKey }),
            timeoutMs: config.INVOICE_MODEL_TIMEOUT_MS,
            fallback: rules,
          })
        : rules;
    logger.info(
      {
        extractor: extractor.name,
        auto_approve_limits: config.INVOICE_AUTO_APPROVE_LIMIT.map(
          (limit) => `${limit.amount.toFixed()} ${limit.currency}`,
        ),
        min_confidence: config.INVOICE_MIN_CONFIDENCE,
        claim_check_dir: config.CLAIM_CHECK_DIR,
      },
      'invoice agent configured',
    );
    const stage = new InvoiceStage({
      // Read-only use of the stores: no start(), which would create folders and tables.
      fetcher: new DocumentFetcher(
        { fs: new FolderClaimStore(config.CLAIM_CHECK_DIR), pg: new PostgresClaimStore(pool) },
        config.INVOICE_MAX_DOCUMENT_BYTES,
      ),
      extractor,
      register,
      inbox,
      policy: { limits: config.INVOICE_AUTO_APPROVE_LIMIT, minConfidence: config.INVOICE_MIN_CONFIDENCE },
      ...(config.INVOICE_DEFAULT_CURRENCY === undefined ? {} : { defaultCurrency: config.INVOICE_DEFAULT_CURRENCY }),
      maxDocumentBytes: config.INVOICE_MAX_DOCUMENT_BYTES,
      maxPages: config.INVOICE_MAX_PAGES,
      metrics: createInvoiceMetrics(metrics.registry),
    });

    const publisher = messaging.createPublisher();
    const consumer = messaging.createConsumer({
      groupId,
      topics: [input],
      publisher,
      async handle(event, context) {
        if (event.type !== 'invoice.received') {
          logger.warn({ type: event.type }, 'not an invoice.received event; skipped');
          return;
        }
        const processed = await stage.process(event);
        context.publish(topics.domainEvents, processed);
        logger.info(
          {
            output_id: processed.id,
            decision: processed.data.decision,
            invoice_number: processed.data.fields.invoiceNumber,
            reasons: processed.data.reasons,
          },
          'invoice processed',
        );
      },
    });
    const databaseReadiness = {
      name: 'database',
      check: async () => {
        await pool.query('SELECT 1');
      },
    };
    return {
      // Started in order, stopped in reverse: the consumer finishes the invoice in hand and
      // commits, the publisher drains, and the pool closes last.
      components: [database, publisher, consumer],
      readiness: [messaging.clusterReadiness(), databaseReadiness, publisher.readiness(), consumer.readiness()],
    };
  },
};
