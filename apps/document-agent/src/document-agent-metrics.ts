/** The document agent's own Prometheus metrics, registered in the service's registry (next to the shared ones). */
import { Counter, type Registry } from 'prom-client';

export interface DocumentAgentMetrics {
  /** Documents turned into document.processed, by kind (pdf, docx, text, … for files; json-object, text, … for webhooks) and input. */
  readonly processed: Counter<'kind' | 'input'>;
  /** Files announced as invoice.received, by kind and by what decided it (text heuristic, ubl, cii). */
  readonly invoices: Counter<'kind' | 'method'>;
  /** Texts cut to DOCUMENT_TEXT_MAX_BYTES in the event. */
  readonly truncated: Counter;
  /** Failed attempts by error code (DOCUMENT_ENCRYPTED, CLAIM_NOT_FOUND, CLAIM_STORE_UNAVAILABLE, …) and whether they are retried. */
  readonly failures: Counter<'code' | 'retryable'>;
}

export function createDocumentAgentMetrics(registry: Registry): DocumentAgentMetrics {
  return {
    processed: new Counter({
      name: 'flowline_documents_processed_total',
      help: 'Documents processed (document.processed emitted), by kind and input (file, webhook)',
      labelNames: ['kind', 'input'],
      registers: [registry],
    }),
    invoices: new Counter({
      name: 'flowline_document_invoices_detected_total',
      help: 'Files that looked like invoices and were announced as invoice.received, by kind and method (text, ubl, cii)',
      labelNames: ['kind', 'method'],
      registers: [registry],
    }),
    truncated: new Counter({
      name: 'flowline_document_texts_truncated_total',
      help: 'document.processed events whose text was cut to DOCUMENT_TEXT_MAX_BYTES (the whole stays at the claim check)',
      registers: [registry],
    }),
    failures: new Counter({
      name: 'flowline_document_failures_total',
      help: 'Failed attempts to process a document, by error code and whether the consumer retries it (else: dead-lettered)',
      labelNames: ['code', 'retryable'],
      registers: [registry],
    }),
  };
}
