/**
 * What an extractor makes of a document, before validation and decision: amounts as exact
 * decimals in the document's currency (minor units come later, once the currency is known),
 * and a confidence per field. Every field may be missing: a missing field is a validation
 * issue and a decision, not a failure.
 */
import type Decimal from 'decimal.js';
import type { ExtractedDocument } from '@flowline/documents';

export const FIELD_NAMES = [
  'invoiceNumber',
  'issueDate',
  'dueDate',
  'supplier',
  'supplierVatId',
  'customer',
  'currency',
  'lines',
  'net',
  'tax',
  'total',
  'paymentReference',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

export interface ExtractedParty {
  name: string;
  /** A VAT identification number (EU, GB, CH, NO form), compact: `DE123456789`. */
  vatId?: string;
  /** Another tax number as printed (Steuernummer, EIN, ABN) when no VAT id was found. */
  taxId?: string;
  address?: string;
  /** Validated by its ISO 13616 check digits, compact. */
  iban?: string;
}

export interface ExtractedLine {
  description: string;
  quantity: Decimal;
  unitPrice?: Decimal;
  /** The line's net amount. */
  amount: Decimal;
  taxRatePercent?: Decimal;
}

/** Something the extractor noticed that a reviewer should know (an assumption, an ambiguity). */
export interface ExtractionNote {
  code: string;
  field?: string;
  message: string;
}

export type ExtractionMethod = 'text' | 'ubl' | 'json' | 'model';

export interface ExtractedInvoice {
  method: ExtractionMethod;
  invoiceNumber?: string;
  /** ISO YYYY-MM-DD. */
  issueDate?: string;
  dueDate?: string;
  supplier?: ExtractedParty;
  customer?: ExtractedParty;
  /** Upper-case three letters as found; validation checks it is an ISO 4217 currency. */
  currency?: string;
  /** The currency as written when it is no ISO 4217 currency (`₿`, `XBT`), for the reviewer. */
  currencyAsWritten?: string;
  lines: ExtractedLine[];
  net?: Decimal;
  tax?: Decimal;
  total?: Decimal;
  /**
   * Document-level allowances (negative) and charges (positive) between the lines' sum and
   * the net amount, where the document states them (UBL AllowanceTotalAmount/ChargeTotalAmount).
   */
  netAdjustment?: Decimal;
  /** The amount asked for when the document says it separately from the total (prepaid amounts). */
  payable?: Decimal;
  paymentReference?: string;
  /** 0..1 per field found. */
  confidence: Partial<Record<FieldName, number>>;
  notes: ExtractionNote[];
  /** Credit notes carry negative amounts. */
  creditNote?: boolean;
}

/** A document to extract from, with what the event said about it. */
export interface InvoiceDocument {
  document: ExtractedDocument;
  hints: InvoiceHints;
}

export interface InvoiceHints {
  /** The file or attachment name. */
  name?: string;
  /** The mailbox it came from, when it came by email: its name and domain hint at the vendor. */
  sender?: { address: string; name?: string };
  /** A currency to assume when the document shows none (INVOICE_DEFAULT_CURRENCY). */
  defaultCurrency?: string;
}

/**
 * Turns a document into an invoice's fields. The default (rules) is deterministic; a
 * model-backed one can replace it (model-invoice-extractor.ts).
 */
export interface InvoiceExtractor {
  readonly name: string;
  extract(input: InvoiceDocument): Promise<ExtractedInvoice>;
}

export function emptyInvoice(method: ExtractionMethod): ExtractedInvoice {
  return { method, lines: [], confidence: {}, notes: [] };
}
