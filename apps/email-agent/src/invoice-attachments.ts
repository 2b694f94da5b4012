/**
 * Which attachments of an email become `invoice.received`: its PDF and XML documents when the
 * email was classified as an invoice (a "Rechnung.pdf" on spam is a phishing lure, not a bill
 * to pay). When some of them are invoices by name or by XML root (rule-signals.ts), only those
 * go: the terms and conditions or the delivery note beside an invoice are not invoices. When
 * none is, every PDF and XML goes ("scan_0001.pdf" on a mail that says "invoice attached").
 */
import type { EmailCategory } from './classifier/email-classifier';
import { isDocumentAttachment, looksLikeInvoiceDocument } from './classifier/rule-signals';
import { extensionOf, type EmailAttachment } from './email-message';

export function invoiceAttachmentsOf(
  attachments: readonly EmailAttachment[],
  category: EmailCategory,
): EmailAttachment[] {
  if (category !== 'invoice') return [];
  const documents = attachments.filter((attachment) => !attachment.inline && isDocumentAttachment(attachment));
  const named = documents.filter((attachment) => looksLikeInvoiceDocument(attachment));
  return named.length > 0 ? named : documents;
}

/**
 * The media type the invoice agent should read the document as: mail clients often send a
 * PDF as application/octet-stream, so the name and the bytes decide over the label.
 */
export function invoiceMediaType(attachment: EmailAttachment): string {
  const head = attachment.content?.subarray(0, 5).toString('latin1');
  if (head === '%PDF-' || extensionOf(attachment.filename) === 'pdf' || attachment.mediaType === 'application/pdf') {
    return 'application/pdf';
  }
  if (attachment.mediaType === 'text/xml' || attachment.mediaType.endsWith('+xml')) return attachment.mediaType;
  return 'application/xml';
}
