import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';
import { DEFAULT_MIN_SCORE } from './invoice-likelihood';

/**
 * Kafka's default `message.max.bytes` is 1 MiB; a document.processed event carries its text
 * JSON-escaped plus the envelope and metadata, so the text is kept well below it.
 */
export const MAX_TEXT_BYTES_LIMIT = 768 * 1024;

/**
 * The claim-check keys are the file-watcher's (apps/file-watcher/src/config.ts): the agent
 * opens `claim:fs/…` references under CLAIM_CHECK_DIR and `claim:pg/…` ones in DATABASE_URL,
 * whichever store wrote them. It only reads: no folder or table is created.
 */
export const documentAgentConfig = baseServiceConfig
  .extend({
    PORT: configFields.port(8086),
    /** The claim-check folder the file-watcher stores files in (claim:fs/… references). */
    CLAIM_CHECK_DIR: withExample(z.string().min(1).default('.flowline/claim-checks'), '/claims'),
    /** PostgreSQL holding claim-check large objects (claim:pg/… references); connected to on the first such file. */
    DATABASE_URL: configFields.url('postgres://postgres@127.0.0.1:55432/flowline', ['postgres', 'postgresql']),
    /** Files larger than this are dead-lettered (DOCUMENT_TOO_LARGE): a document is read into memory whole. */
    DOCUMENT_MAX_BYTES: configFields.positiveInt(25_000_000),
    /** PDF pages read at most (the first ones); the page count in the metadata is the document's own. */
    DOCUMENT_MAX_PAGES: configFields.positiveInt(100),
    /**
     * The text a document.processed event carries at most, in bytes of its JSON string. Longer
     * text is cut (metadata `textTruncated: true`, `textBytes` the full size); the whole
     * document stays at its claim-check `location`.
     */
    DOCUMENT_TEXT_MAX_BYTES: configFields.positiveInt(256 * 1024),
    /**
     * The invoice score (invoice-likelihood.ts) from which a document that names itself an
     * invoice and shows amounts is announced as invoice.received. Lower finds more, with more
     * false alarms.
     */
    DOCUMENT_INVOICE_MIN_SCORE: withExample(
      z.coerce.number().min(1).max(40).default(DEFAULT_MIN_SCORE),
      String(DEFAULT_MIN_SCORE),
    ),
  })
  .superRefine((config, context) => {
    if (config.DOCUMENT_TEXT_MAX_BYTES > MAX_TEXT_BYTES_LIMIT) {
      context.addIssue({
        code: 'custom',
        path: ['DOCUMENT_TEXT_MAX_BYTES'],
        message: `at most ${MAX_TEXT_BYTES_LIMIT} (the event must fit Kafka's 1 MiB message limit with its envelope)`,
      });
    }
  });
export type DocumentAgentConfig = z.infer<typeof documentAgentConfig>;
