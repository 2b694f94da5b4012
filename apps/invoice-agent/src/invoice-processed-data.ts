/**
 * The `invoice.processed` data from an extraction and its decision. Money becomes integer
 * minor units of the invoice's currency (ISO 4217 exponent); a unit price with more decimals
 * than the currency has is rounded half up (line amounts and totals are validated exactly
 * before this). With no ISO currency, amounts and lines are left out (the issue carries them
 * as written).
 */
import Decimal from 'decimal.js';
import type { InvoiceProcessed, Money } from '@flowline/event-schemas';
import { isKnownCurrency, minorUnitExponent } from './currencies';
import type { DecisionOutcome, EarlierInvoice } from './decide-invoice';
import type { ExtractedInvoice, ExtractedParty, FieldName } from './extracted-invoice';

export interface ProcessedInput {
  documentSha256: string;
  invoice: ExtractedInvoice;
  outcome: DecisionOutcome;
  extractor: string;
  documentKind: string;
  pageCount?: number;
  duplicateOf?: EarlierInvoice;
}

const REQUIRED_FOR_CONFIDENCE: readonly FieldName[] = ['invoiceNumber', 'supplier', 'issueDate', 'currency', 'total'];

export function toMinorUnits(value: Decimal, currency: string): Money {
  const exponent = minorUnitExponent(currency) ?? 2;
  const minor = value.mul(new Decimal(10).pow(exponent)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
  return { amountMinor: minor.toNumber(), currency };
}

const decimalText = (value: Decimal): string => value.toFixed();

function party(value: ExtractedParty | undefined): InvoiceProcessed['fields']['supplier'] {
  if (value === undefined) return undefined;
  return {
    name: value.name,
    ...(value.vatId === undefined ? {} : { vatId: value.vatId }),
    ...(value.taxId === undefined ? {} : { taxId: value.taxId }),
    ...(value.address === undefined ? {} : { address: value.address }),
    ...(value.iban === undefined ? {} : { iban: value.iban }),
  };
}

export function invoiceProcessedData(input: ProcessedInput): InvoiceProcessed {
  const { invoice, outcome } = input;
  const currency = invoice.currency !== undefined && isKnownCurrency(invoice.currency) ? invoice.currency : undefined;
  const money = (value: Decimal | undefined): Money | undefined =>
    value === undefined || currency === undefined ? undefined : toMinorUnits(value, currency);
  const supplier = party(invoice.supplier);
  const customer = party(invoice.customer);
  const net = money(invoice.net);
  const tax = money(invoice.tax);
  const total = money(invoice.total);
  const payable = money(invoice.payable);
  const fields: InvoiceProcessed['fields'] = {
    ...(invoice.invoiceNumber === undefined ? {} : { invoiceNumber: invoice.invoiceNumber }),
    ...(invoice.issueDate === undefined ? {} : { issueDate: invoice.issueDate }),
    ...(invoice.dueDate === undefined ? {} : { dueDate: invoice.dueDate }),
    ...(supplier === undefined ? {} : { supplier }),
    ...(customer === undefined ? {} : { customer }),
    ...(currency === undefined ? {} : { currency }),
    lines:
      currency === undefined
        ? []
        : invoice.lines.map((line) => ({
            description: line.description,
            quantity: decimalText(line.quantity),
            ...(line.unitPrice === undefined ? {} : { unitPrice: toMinorUnits(line.unitPrice, currency) }),
            ...(line.taxRatePercent === undefined ? {} : { taxRatePercent: decimalText(line.taxRatePercent) }),
            net: toMinorUnits(line.amount, currency),
          })),
    ...(net === undefined ? {} : { net }),
    ...(tax === undefined ? {} : { tax }),
    ...(total === undefined ? {} : { total }),
    ...(payable === undefined ? {} : { payable }),
    ...(invoice.paymentReference === undefined ? {} : { paymentReference: invoice.paymentReference }),
    ...(currency === undefined && (invoice.currencyAsWritten ?? invoice.currency) !== undefined
      ? { currencyAsWritten: invoice.currencyAsWritten ?? invoice.currency }
      : {}),
  };
  const issues = outcome.issues.map((issue) => ({
    code: issue.code,
    severity: issue.severity,
    ...(issue.field === undefined ? {} : { field: issue.field }),
    message: issue.message,
  }));
  const fieldConfidence = Object.fromEntries(
    Object.entries(invoice.confidence).map(([field, value]) => [field, Math.round(value * 100) / 100]),
  );
  const confidence = Math.min(...REQUIRED_FOR_CONFIDENCE.map((field) => fieldConfidence[field] ?? 0));
  return {
    documentSha256: input.documentSha256,
    fields,
    validation: { valid: !issues.some((issue) => issue.severity === 'error'), issues },
    decision: outcome.decision,
    decisionReason: outcome.reason,
    reasons: outcome.reasons,
    confidence,
    fieldConfidence,
    ...(input.duplicateOf === undefined ? {} : { duplicateOf: input.duplicateOf }),
    extraction: {
      method: invoice.method,
      extractor: input.extractor,
      documentKind: input.documentKind,
      ...(input.pageCount === undefined ? {} : { pageCount: input.pageCount }),
    },
  };
}
