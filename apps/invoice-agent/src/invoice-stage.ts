/**
 * One `invoice.received` → one `invoice.processed`, with its database effect exactly once
 * (pattern 2 of docs/architecture.md):
 *
 *   stored decision for this event id?  → emit it again (same id, same content); done
 *   fetch the document (claim check) → text → extract → validate       (no effect yet)
 *   PostgresInbox.runOnce(event id):  register the invoice's keys (duplicate?), decide,
 *                                     record the decision with the event to emit
 *   emit the recorded event, whatever runOnce returned
 *
 * The output id is derivedEventId(input id, 'invoice.processed') and its content is what the
 * decision row holds, so a crash between the database commit and the output's ack, or any
 * later redelivery, emits the same event again and never a second decision. The handler's
 * failures (a missing, encrypted or unreadable document) are non-retryable FlowlineErrors:
 * the consumer dead-letters the event with the code as reason and goes on.
 */
import { extractDocument, type ExtractedDocument } from '@flowline/documents';
import {
  createEvent,
  derivedEventId,
  type FlowlineEvent,
  type InvoiceProcessed,
  type InvoiceReceived,
} from '@flowline/event-schemas';
import type { PostgresInbox } from '@flowline/messaging';
import { decideInvoice, type DecisionPolicy } from './decide-invoice';
import type { DocumentFetcher } from './document-fetcher';
import type { InvoiceExtractor } from './extracted-invoice';
import { invoiceKeys } from './invoice-keys';
import type { InvoiceMetrics } from './invoice-metrics';
import { invoiceProcessedData } from './invoice-processed-data';
import type { InvoiceRegister, StoredDecision } from './invoice-register';
import { validateInvoice } from './validate-invoice';

export interface InvoiceStageOptions {
  fetcher: DocumentFetcher;
  extractor: InvoiceExtractor;
  register: InvoiceRegister;
  inbox: PostgresInbox;
  policy: DecisionPolicy;
  defaultCurrency?: string;
  maxDocumentBytes: number;
  maxPages: number;
  metrics?: InvoiceMetrics;
}

export const SOURCE = '/invoice-agent';

export class InvoiceStage {
  constructor(private readonly options: InvoiceStageOptions) {}

  /** The `invoice.processed` event for an input: decided now, or as decided before. */
  async process(event: FlowlineEvent<'invoice.received'>): Promise<FlowlineEvent<'invoice.processed'>> {
    const { register, inbox, metrics } = this.options;
    const before = await register.decisionFor(event.id);
    if (before !== undefined) {
      metrics?.redelivered.inc();
      return announce(event, before);
    }
    const started = performance.now();
    const document = await this.documentOf(event.data);
    const invoice = await this.options.extractor.extract({
      document,
      hints: {
        ...(event.data.document.name === undefined ? {} : { name: event.data.document.name }),
        ...(event.data.sender === undefined ? {} : { sender: event.data.sender }),
        ...(this.options.defaultCurrency === undefined ? {} : { defaultCurrency: this.options.defaultCurrency }),
      },
    });
    const issues = validateInvoice(invoice, event.time.slice(0, 10));
    const keys = invoiceKeys(invoice);
    const documentSha256 = event.data.document.sha256;
    let decided: StoredDecision | undefined;
    const result = await inbox.runOnce(event.id, async (client) => {
      // Decided first as if new: the first invoice's keys carry its decision.
      const provisional = decideInvoice(invoice, issues, this.options.policy);
      const earlier = await register.register(client, keys, {
        eventId: event.id,
        documentSha256,
        decision: provisional.decision,
      });
      const outcome =
        earlier === undefined ? provisional : decideInvoice(invoice, issues, this.options.policy, earlier);
      const data: InvoiceProcessed = invoiceProcessedData({
        documentSha256,
        invoice,
        outcome,
        extractor: this.options.extractor.name,
        documentKind: document.kind,
        ...(document.metadata.pageCount === undefined ? {} : { pageCount: document.metadata.pageCount }),
        ...(earlier === undefined ? {} : { duplicateOf: earlier }),
      });
      decided = { outputId: derivedEventId(event.id, 'invoice.processed'), outputTime: new Date(), data };
      await register.recordDecision(client, event.id, decided);
      if (earlier !== undefined) metrics?.duplicates.inc();
    });
    if (result === 'duplicate' || decided === undefined) {
      // Another delivery of this event committed first (two instances, a rebalance): its decision stands.
      const stored = await register.decisionFor(event.id);
      if (stored === undefined) throw new Error(`the inbox holds ${event.id} but no decision was recorded for it`);
      metrics?.redelivered.inc();
      return announce(event, stored);
    }
    metrics?.decided.inc({ decision: decided.data.decision, method: invoice.method });
    metrics?.processingSeconds.observe({ method: invoice.method }, (performance.now() - started) / 1000);
    return announce(event, decided);
  }

  /** The document's text: the upstream's text when given, else the stored document read. */
  private async documentOf(data: InvoiceReceived): Promise<ExtractedDocument> {
    const { document, text } = data;
    if (text !== undefined && text.trim() !== '') {
      const kind = /[/+]xml$/.test(document.mediaType) ? 'xml' : /[/+]json$/.test(document.mediaType) ? 'json' : 'text';
      return { kind, mediaType: document.mediaType, text, metadata: { bytes: Buffer.byteLength(text) } };
    }
    const bytes = await this.options.fetcher.fetch(document.location);
    return extractDocument(bytes, {
      mediaType: document.mediaType,
      ...(document.name === undefined ? {} : { name: document.name }),
      maxBytes: this.options.maxDocumentBytes,
      maxPages: this.options.maxPages,
    });
  }
}

/** The event a decision announces, identical whenever it is built from the same row. */
function announce(
  input: FlowlineEvent<'invoice.received'>,
  decided: StoredDecision,
): FlowlineEvent<'invoice.processed'> {
  const { invoiceNumber } = decided.data.fields;
  return createEvent('invoice.processed', decided.data, {
    source: SOURCE,
    id: decided.outputId,
    causedBy: input,
    partitionKey: input.partitionkey,
    time: decided.outputTime,
    ...(invoiceNumber === undefined ? {} : { subject: invoiceNumber }),
  });
}
