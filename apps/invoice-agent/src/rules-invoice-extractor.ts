/**
 * The default extractor: deterministic rules, no model. UBL XML and JSON are read by their
 * structure; every other kind (PDF, DOCX, HTML, plain text) by the text rules.
 */
import { extractFromJson } from './json-invoice-extractor';
import { emptyInvoice, type ExtractedInvoice, type InvoiceDocument, type InvoiceExtractor } from './extracted-invoice';
import { extractFromText } from './text-invoice-extractor';
import { extractFromUbl } from './ubl-invoice-extractor';

export function extractByRules({ document, hints }: InvoiceDocument): ExtractedInvoice {
  let invoice: ExtractedInvoice;
  if (document.kind === 'xml') invoice = extractFromUbl(document.text);
  else if (document.kind === 'json') invoice = extractFromJson(document.text);
  else if (document.text.trim() === '') {
    invoice = emptyInvoice('text');
    invoice.notes.push({
      code: 'document_has_no_text',
      message: `the ${document.kind} has no text layer (a scan?): no OCR runs here, a person must read it`,
    });
  } else invoice = extractFromText(document.text, hints);
  return withAssumedCurrency(invoice, hints.defaultCurrency);
}

/** No currency on a structured document either: the configured default, flagged. */
export function withAssumedCurrency(invoice: ExtractedInvoice, fallback: string | undefined): ExtractedInvoice {
  if (invoice.currency !== undefined || invoice.currencyAsWritten !== undefined || fallback === undefined)
    return invoice;
  if (invoice.notes.some((note) => note.code === 'document_has_no_text')) return invoice;
  invoice.currency = fallback;
  invoice.confidence.currency = 0.5;
  invoice.notes.push({
    code: 'currency_assumed',
    field: 'currency',
    message: `no currency is given: ${fallback} assumed (INVOICE_DEFAULT_CURRENCY)`,
  });
  return invoice;
}

export class RulesInvoiceExtractor implements InvoiceExtractor {
  readonly name = 'rules';

  extract(input: InvoiceDocument): Promise<ExtractedInvoice> {
    try {
      return Promise.resolve(extractByRules(input));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
