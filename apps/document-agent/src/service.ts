/**
 * The document agent: each input on agent.document becomes events on events.domain, caused
 * by it (same correlation id, causation id = input id):
 * - `file.uploaded` (or a folder's own type with its dataschema): the file fetched by claim
 *   check, checked against its sha256, its kind sniffed and its text read (libs/documents) →
 *   `document.processed`, plus `invoice.received` when it looks like an invoice (file-document.ts);
 * - `webhook.received` (or a source's own type): its payload → `document.processed` (process-document.ts).
 *
 * Pattern 1 of docs/architecture.md: the only effects are new events, so outputs and the
 * input offset commit in one Kafka transaction, under ids derived from the input: a crash,
 * a redrive or a replay runs the handler again and emits the same ids. A document that cannot
 * be read (encrypted, corrupt, unsupported, too large, not in the store, not the bytes the
 * event describes) fails with a non-retryable error and is dead-lettered at once with its
 * code; a failing store (PostgreSQL down) is retried with backoff.
 */
import { FolderClaimStore, PostgresClaimStore } from '@flowline/claim-check';
import { errorCode, isRetryable } from '@flowline/errors';
import { createEvent, derivedEventId, topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { createPostgresPool, kafkaSettings, ServiceDefinition, type Component } from '@flowline/service-runtime';
import { documentAgentConfig } from './config';
import { createDocumentAgentMetrics } from './document-agent-metrics';
import { DocumentFetcher } from './document-fetcher';
import { fileDocumentEvents, readUploadedFile, SOURCE, uploadedFileOf } from './file-document';
import { processDocument } from './process-document';

/** Bounds on each claim-check query, so an outage shows as failed attempts (retried), not a hang. */
const DATABASE_TIMEOUT_MS = 10_000;

export const documentAgent: ServiceDefinition<typeof documentAgentConfig> = {
  name: 'document-agent',
  configSchema: documentAgentConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const input = topics.agent('document');
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'document-agent', logger, metrics });
    await messaging.ensureTopics([input, topics.domainEvents]);
    const agentMetrics = createDocumentAgentMetrics(metrics.registry);

    // Connects on the first claim:pg/… reference only: a deployment with a shared folder needs no database.
    const pool = createPostgresPool(
      {
        connectionString: config.DATABASE_URL,
        max: 2,
        timeoutMs: DATABASE_TIMEOUT_MS,
      },
      logger,
      'claim-check database',
    );
    const database: Component = { name: 'claim-check-pool', start: () => Promise.resolve(), stop: () => pool.end() };
    const reading = {
      // Read-only use of the stores: no start(), which would create folders and tables.
      fetcher: new DocumentFetcher(
        { fs: new FolderClaimStore(config.CLAIM_CHECK_DIR), pg: new PostgresClaimStore(pool) },
        config.DOCUMENT_MAX_BYTES,
      ),
      maxBytes: config.DOCUMENT_MAX_BYTES,
      maxPages: config.DOCUMENT_MAX_PAGES,
    };
    const policy = { textMaxBytes: config.DOCUMENT_TEXT_MAX_BYTES, invoiceMinScore: config.DOCUMENT_INVOICE_MIN_SCORE };

    const publisher = messaging.createPublisher();
    const consumer = messaging.createConsumer({
      groupId: `${config.FLOWLINE_TOPIC_PREFIX}document-agent`,
      topics: [input],
      publisher,
      // Its only effects are new events: outputs and input offset commit in one transaction.
      transactional: true,
      async handle(event, context) {
        const file = uploadedFileOf(event);
        if (file !== undefined) {
          let document;
          try {
            document = await readUploadedFile(file, reading);
          } catch (error) {
            const retryable = isRetryable(error);
            agentMetrics.failures.inc({ code: errorCode(error) ?? 'UNKNOWN', retryable: String(retryable) });
            logger.warn(
              { err: error, event_id: event.id, path: file.relativePath, location: file.location, retryable },
              retryable ? 'the file could not be read; retried' : 'the file cannot be processed; dead-lettered',
            );
            throw error;
          }
          const outcome = fileDocumentEvents(event, file, document, policy);
          for (const output of outcome.events) context.publish(topics.domainEvents, output);
          agentMetrics.processed.inc({ kind: outcome.kind, input: 'file' });
          if (outcome.truncated) agentMetrics.truncated.inc();
          if (outcome.assessment.invoice) {
            const method = outcome.assessment.signals.find((signal) => signal === 'ubl' || signal === 'cii') ?? 'text';
            agentMetrics.invoices.inc({ kind: outcome.kind, method });
          }
          logger.info(
            {
              event_id: event.id,
              correlationid: event.correlationid,
              path: file.relativePath,
              kind: outcome.kind,
              invoice: outcome.assessment.invoice,
              invoice_score: outcome.assessment.score,
              text_truncated: outcome.truncated,
            },
            outcome.assessment.invoice ? 'document processed; announced as an invoice' : 'document processed',
          );
          return;
        }

        const document = processDocument(event);
        if (document === undefined) {
          logger.warn({ event_id: event.id, type: event.type }, 'not a document event; skipped');
          return;
        }
        const processed = createEvent('document.processed', document, {
          source: SOURCE,
          // Same input, same output id: a redelivered input is recognisably the same event.
          id: derivedEventId(event.id, 'document.processed'),
          causedBy: event,
          partitionKey: event.partitionkey,
        });
        context.publish(topics.domainEvents, processed);
        agentMetrics.processed.inc({ kind: document.kind, input: 'webhook' });
        logger.info(
          { event_id: processed.id, correlationid: processed.correlationid, causationid: event.id },
          'document processed',
        );
      },
    });
    return {
      // Started in order, stopped in reverse: the consumer finishes the file in hand and
      // commits, the producer drains, and the pool closes last.
      components: [database, publisher, consumer],
      readiness: [messaging.clusterReadiness(), publisher.readiness(), consumer.readiness()],
    };
  },
};
