/** The invoice agent's own Prometheus metrics, registered in the service's registry. */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface InvoiceMetrics {
  /** Invoices decided, by decision and extraction method. */
  readonly decided: Counter<'decision' | 'method'>;
  /** Invoices recognised as duplicates of one processed before. */
  readonly duplicates: Counter;
  /** Redelivered events answered from the stored decision (no second effect). */
  readonly redelivered: Counter;
  /** From fetching the document to the decision, by extraction method. */
  readonly processingSeconds: Histogram<'method'>;
}

export function createInvoiceMetrics(registry: Registry): InvoiceMetrics {
  return {
    decided: new Counter({
      name: 'flowline_invoices_decided_total',
      help: 'Invoices decided, by decision (approved, needs_review, rejected) and extraction method',
      labelNames: ['decision', 'method'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'flowline_invoice_duplicates_total',
      help: 'Invoices with a supplier and number already processed (flagged, never approved twice)',
      registers: [registry],
    }),
    redelivered: new Counter({
      name: 'flowline_invoice_redeliveries_total',
      help: 'invoice.received events seen again (redelivery, redrive, replay), answered from the stored decision',
      registers: [registry],
    }),
    processingSeconds: new Histogram({
      name: 'flowline_invoice_processing_seconds',
      help: 'Time from fetching the document to the decision, by extraction method',
      labelNames: ['method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
