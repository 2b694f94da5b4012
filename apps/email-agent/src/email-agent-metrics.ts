/** The email agent's own Prometheus metrics, registered in the service's registry (next to the shared ones). */
import { Counter, type Registry } from 'prom-client';

export interface EmailAgentMetrics {
  /** Emails classified, by category and by the classifier that decided. */
  readonly classified: Counter<'category' | 'classifier'>;
  /** Invoice attachments: stored and announced, or missing their content. */
  readonly invoiceDocuments: Counter<'outcome'>;
  /** Model classifications that failed and were answered by the local classifier. */
  readonly modelFallbacks: Counter<'code'>;
}

export function createEmailAgentMetrics(registry: Registry): EmailAgentMetrics {
  return {
    classified: new Counter({
      name: 'flowline_emails_classified_total',
      help: 'Emails classified, by category and classifier',
      labelNames: ['category', 'classifier'],
      registers: [registry],
    }),
    invoiceDocuments: new Counter({
      name: 'flowline_email_invoice_documents_total',
      help: 'Invoice attachments of classified emails: stored (and announced as invoice.received) or missing',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    modelFallbacks: new Counter({
      name: 'flowline_email_model_fallbacks_total',
      help: 'Classifications the model failed (by error code) and the local classifier answered',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}
