/**
 * Invoice events: `invoice.received` (a document to process, from email-agent or
 * document-agent) and `invoice.processed` (invoice-agent's extraction, validation and decision).
 * Money is integer minor units plus currency, never a float (see `money`).
 *
 * Extended in place within version 1 (issue 17, before invoice-agent emitted anything): the
 * optional `taxId`, `fields.payable`, `fields.currencyAsWritten`, `fieldConfidence`,
 * `reasons`, `duplicateOf` and `extraction`. All optional, so every earlier v1 event still
 * decodes, and an older reader drops them (tolerant reader).
 */
import { z } from 'zod';
import {
  byteCount,
  calendarDate,
  currencyCode,
  decimalString,
  mailbox,
  mediaType,
  money,
  sha256Hex,
} from './field-types';

const documentRef = z.object({
  // By reference: invoices are PDFs and images, larger than a Kafka message should be.
  location: z.string().min(1).meta({ description: 'URI or path where the document is stored' }),
  name: z.string().min(1).optional(),
  mediaType,
  size: byteCount,
  sha256: sha256Hex,
});

export const invoiceReceivedV1 = z
  .object({
    document: documentRef,
    receivedVia: z.enum(['email', 'file', 'webhook']),
    sender: mailbox.optional().meta({ description: 'who sent it, when it came by email' }),
    text: z
      .string()
      .optional()
      .meta({ description: 'text already extracted upstream, so the invoice agent need not OCR again' }),
  })
  .meta({ description: 'An invoice document to process (email-agent, document-agent).' });

const party = z.object({
  name: z.string().min(1),
  vatId: z.string().min(1).optional().meta({ description: 'VAT identification number, compact (e.g. DE123456789)' }),
  taxId: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'another tax number as printed, when no VAT id is given (Steuernummer, EIN, ABN)' }),
  address: z.string().optional(),
  iban: z
    .string()
    .regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/, 'an IBAN without spaces')
    .optional(),
});

const invoiceLine = z.object({
  description: z.string(),
  quantity: decimalString,
  unitPrice: money.optional(),
  taxRatePercent: decimalString.optional().meta({ description: 'e.g. "19" or "7.7"' }),
  net: money,
});

const validationIssue = z.object({
  code: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'a snake_case issue code')
    .meta({ description: 'stable code, e.g. missing_field, total_mismatch, duplicate_invoice' }),
  severity: z.enum(['error', 'warning']),
  field: z.string().optional().meta({ description: 'path of the field concerned, e.g. lines.2.net' }),
  message: z.string(),
});

export const invoiceProcessedV1 = z
  .object({
    documentSha256: sha256Hex.meta({
      description: 'SHA-256 of the processed document (links back to invoice.received)',
    }),
    // Every extracted field is optional: extraction can fail partly, and a missing field is a
    // validation issue with a decision, not an undecodable event.
    fields: z.object({
      invoiceNumber: z.string().min(1).optional(),
      issueDate: calendarDate.optional(),
      dueDate: calendarDate.optional(),
      supplier: party.optional(),
      customer: party.optional(),
      currency: currencyCode.optional(),
      lines: z.array(invoiceLine),
      net: money.optional(),
      tax: money.optional(),
      total: money.optional(),
      payable: money.optional().meta({
        description: 'the amount asked for, when the document gives one other than the total (prepaid amounts)',
      }),
      paymentReference: z.string().optional(),
      currencyAsWritten: z.string().min(1).optional().meta({
        description:
          'the currency as written when it is no ISO 4217 currency; amounts are then left out (see validation)',
      }),
    }),
    validation: z.object({
      valid: z.boolean().meta({ description: 'true exactly when no issue has severity error' }),
      issues: z.array(validationIssue),
    }),
    decision: z.enum(['approved', 'needs_review', 'rejected']),
    decisionReason: z.string().optional(),
    reasons: z
      .array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a snake_case reason code'))
      .optional()
      .meta({
        description:
          'codes of what decided it: error issues and the policy’s own (above_auto_approve_limit, low_confidence, duplicate_invoice); empty when approved',
      }),
    confidence: z.number().min(0).max(1).optional().meta({ description: 'extraction confidence, 0..1' }),
    fieldConfidence: z.record(z.string(), z.number().min(0).max(1)).optional().meta({
      description:
        'confidence per extracted field, 0..1: invoiceNumber, issueDate, dueDate, supplier, supplierVatId, customer, currency, lines, net, tax, total, paymentReference',
    }),
    duplicateOf: z
      .object({
        eventId: z.string().min(1).meta({ description: 'the invoice.received event that first brought this invoice' }),
        documentSha256: sha256Hex,
        decision: z.enum(['approved', 'needs_review', 'rejected']),
      })
      .optional()
      .meta({ description: 'the earlier invoice with the same supplier and number, when this one is a duplicate' }),
    extraction: z
      .object({
        method: z.enum(['text', 'ubl', 'json', 'model']),
        extractor: z.string().min(1).meta({ description: 'which extractor ran, e.g. rules or model:<name>' }),
        documentKind: z.string().min(1).meta({ description: 'pdf, docx, xml, json, html or text' }),
        pageCount: z.number().int().nonnegative().optional(),
      })
      .optional(),
  })
  .superRefine((invoice, context) => {
    const hasError = invoice.validation.issues.some((issue) => issue.severity === 'error');
    if (invoice.validation.valid === hasError) {
      context.addIssue({
        code: 'custom',
        path: ['validation', 'valid'],
        message: 'valid must be true exactly when no issue has severity error',
      });
    }
    // An approval is what downstream systems pay on; it must rest on a complete, valid invoice.
    if (
      invoice.decision === 'approved' &&
      (hasError ||
        invoice.fields.total === undefined ||
        invoice.fields.invoiceNumber === undefined ||
        invoice.fields.supplier === undefined)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['decision'],
        message: 'approved needs a valid invoice with invoiceNumber, supplier and total',
      });
    }
  })
  .meta({ description: 'An invoice was processed (invoice-agent): extracted fields, validation result, decision.' });
