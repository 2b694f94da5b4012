/**
 * Validation of extracted fields with decimal arithmetic (decimal.js; never floats for money).
 * Amounts are compared to the cent, or the currency's own minor unit:
 *   - the line amounts add up to the subtotal (after document-level allowances and charges);
 *     without a subtotal, to total − tax (net lines) or to the total (gross lines);
 *   - subtotal + tax = total;
 *   - the due date is not before the issue date;
 *   - the fields a payment needs are present: number, supplier, issue date, currency, total.
 * Errors make an invoice invalid; warnings inform the reviewer. Duplicates are found against
 * the database, not here (invoice-register.ts).
 */
import Decimal from 'decimal.js';
import { isKnownCurrency, minorUnitExponent } from './currencies';
import type { ExtractedInvoice } from './extracted-invoice';

export interface ValidationIssue {
  code: string;
  severity: 'error' | 'warning';
  field?: string;
  message: string;
}

const REQUIRED = [
  ['invoiceNumber', 'the invoice number'],
  ['supplier', 'the supplier'],
  ['issueDate', 'the issue date'],
  ['currency', 'the currency'],
  ['total', 'the total'],
] as const;

/** An amount for a message: 1234.5 in EUR → "1234.50 EUR". */
export function formatAmount(value: Decimal, currency: string | undefined): string {
  const exponent = (currency === undefined ? undefined : minorUnitExponent(currency)) ?? 2;
  return `${value.toFixed(exponent)}${currency === undefined ? '' : ` ${currency}`}`;
}

export function validateInvoice(invoice: ExtractedInvoice, today: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const error = (code: string, message: string, field?: string): void => {
    issues.push({ code, severity: 'error', message, ...(field === undefined ? {} : { field }) });
  };
  const warning = (code: string, message: string, field?: string): void => {
    issues.push({ code, severity: 'warning', message, ...(field === undefined ? {} : { field }) });
  };
  const { currency } = invoice;
  const known = currency !== undefined && isKnownCurrency(currency);
  const exponent = known ? (minorUnitExponent(currency) as number) : 2;
  const cents = (value: Decimal): Decimal => value.toDecimalPlaces(exponent, Decimal.ROUND_HALF_UP);
  const money = (value: Decimal): string => formatAmount(value, known ? currency : undefined);

  for (const [field, name] of REQUIRED) {
    if (invoice[field] === undefined && !(field === 'currency' && invoice.currencyAsWritten !== undefined)) {
      error('missing_field', `${name} was not found`, field);
    }
  }
  if (invoice.currencyAsWritten !== undefined || (currency !== undefined && !known)) {
    const written = invoice.currencyAsWritten ?? currency;
    const amounts = invoice.total === undefined ? '' : ` (total as written: ${invoice.total.toString()} ${written})`;
    error(
      'unknown_currency',
      `"${written}" is no ISO 4217 currency: amounts cannot be booked and are left out${amounts}`,
      'currency',
    );
  }

  for (const [field, value] of [
    ['net', invoice.net],
    ['tax', invoice.tax],
    ['total', invoice.total],
  ] as const) {
    if (value !== undefined && known && value.decimalPlaces() > exponent) {
      error(
        'amount_precision',
        `${field} ${value.toString()} has more decimals than ${currency} has (${exponent})`,
        field,
      );
    }
  }

  if (invoice.lines.length > 0) {
    const sum = invoice.lines.reduce((acc, line) => acc.plus(line.amount), new Decimal(0));
    invoice.lines.forEach((line, index) => {
      if (line.unitPrice === undefined) return;
      const expected = line.quantity.mul(line.unitPrice);
      if (!cents(expected).eq(cents(line.amount))) {
        warning(
          'line_amount_mismatch',
          `line ${index + 1}: ${line.quantity.toString()} × ${money(line.unitPrice)} is ${money(expected)}, the line says ${money(line.amount)}`,
          `lines.${index}.net`,
        );
      }
    });
    const adjusted = invoice.netAdjustment === undefined ? sum : sum.plus(invoice.netAdjustment);
    if (invoice.net !== undefined) {
      if (!cents(adjusted).eq(cents(invoice.net))) {
        error(
          'lines_sum_mismatch',
          `the line amounts add up to ${money(adjusted)}, the subtotal is ${money(invoice.net)}`,
          'net',
        );
      }
    } else if (invoice.total !== undefined) {
      const netOfTax = invoice.tax === undefined ? undefined : invoice.total.minus(invoice.tax);
      const matches =
        cents(adjusted).eq(cents(invoice.total)) || (netOfTax !== undefined && cents(adjusted).eq(cents(netOfTax)));
      if (!matches) {
        error(
          'lines_sum_mismatch',
          `the line amounts add up to ${money(adjusted)}, which is neither the total ${money(invoice.total)}` +
            (netOfTax === undefined ? '' : ` nor the total less tax ${money(netOfTax)}`),
          'lines',
        );
      }
    }
  } else {
    warning('no_line_items', 'no line items were found', 'lines');
  }

  if (invoice.net !== undefined && invoice.total !== undefined) {
    if (invoice.tax !== undefined) {
      const expected = invoice.net.plus(invoice.tax);
      if (!cents(expected).eq(cents(invoice.total))) {
        error(
          'total_mismatch',
          `subtotal ${money(invoice.net)} + tax ${money(invoice.tax)} is ${money(expected)}, the total is ${money(invoice.total)}`,
          'total',
        );
      }
    } else if (!cents(invoice.net).eq(cents(invoice.total))) {
      error(
        'total_mismatch',
        `subtotal ${money(invoice.net)} and total ${money(invoice.total)} differ by ${money(invoice.total.minus(invoice.net))}, and no tax amount was found`,
        'total',
      );
    }
  }

  if (invoice.issueDate !== undefined && invoice.dueDate !== undefined && invoice.dueDate < invoice.issueDate) {
    error(
      'due_before_issue',
      `the due date ${invoice.dueDate} is before the issue date ${invoice.issueDate}`,
      'dueDate',
    );
  }
  if (invoice.dueDate === undefined) warning('missing_due_date', 'no due date or payment terms were found', 'dueDate');
  if (invoice.issueDate !== undefined && invoice.issueDate > today) {
    warning('issue_date_in_future', `the issue date ${invoice.issueDate} is after today (${today})`, 'issueDate');
  }
  if (invoice.payable !== undefined && invoice.total !== undefined && !invoice.payable.eq(invoice.total)) {
    warning(
      'payable_differs',
      `the amount asked for is ${money(invoice.payable)}, the total ${money(invoice.total)}`,
      'payable',
    );
  }
  for (const note of invoice.notes) warning(note.code, note.message, note.field);
  return issues;
}
