/**
 * What makes two invoices the same invoice: the supplier and the invoice number. The supplier
 * is known by its normalised name (case, punctuation and legal form left out, so "ACME GmbH"
 * and "Acme G.m.b.H." match) and, where printed, by its VAT id: either key already taken means
 * a duplicate. The number is compared without case, spaces and separators ("INV-0042" and
 * "inv 0042" match; leading zeros stay: "42" and "0042" may be different invoices).
 */
import type { ExtractedInvoice } from './extracted-invoice';
import { LEGAL_FORM } from './parties';

/** Legal forms that are no word in any language, matched in any case ("Gmbh", "LTD."). */
const UNAMBIGUOUS_FORMS =
  /(?<![\p{L}])(gmbh|mbh|ltd|limited|llc|inc|corp|corporation|sarl|sàrl|eurl|sasu|b\.?v|n\.?v|s\.?r\.?l|s\.?p\.?a|plc|llp|pty|oyj?|k\.?k|e\.\s?k)\.?(?![\p{L}])/giu;

export function supplierNameKey(name: string): string {
  const withoutForm = name.replace(new RegExp(LEGAL_FORM.source, 'gu'), ' ').replace(UNAMBIGUOUS_FORMS, ' ');
  const key = withoutForm
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\d]+/gu, '');
  return key === '' ? name.toLowerCase().replace(/\s+/g, '') : key;
}

export function invoiceNumberKey(number: string): string {
  return number.toUpperCase().replace(/[^\p{L}\d]/gu, '');
}

/** The keys an invoice is registered under; none when the supplier or the number is missing. */
export function invoiceKeys(invoice: ExtractedInvoice): string[] {
  const { supplier, invoiceNumber } = invoice;
  if (supplier === undefined || invoiceNumber === undefined) return [];
  const number = invoiceNumberKey(invoiceNumber);
  if (number === '') return [];
  const keys = [`name:${supplierNameKey(supplier.name)}|${number}`];
  if (supplier.vatId !== undefined) keys.push(`vat:${supplier.vatId}|${number}`);
  return keys.sort();
}
