/**
 * An invoice's fields from its text (a PDF's laid-out text, a DOCX's, a plain-text invoice),
 * by rules that do not know the layout in advance:
 *
 * 1. the number convention (decimal comma or point) and the day order of dates are decided
 *    once per document, from its own unambiguous tokens (amounts.ts, dates.ts);
 * 2. the line-item table is found by its header words and read by column (line-items.ts);
 * 3. labels in eight languages locate the other fields; a value is taken after its label on
 *    the line, or under it (labelled-values.ts);
 * 4. parties come from their blocks, the letterhead and the footer (parties.ts);
 * 5. net, tax and total are chosen together so that their arithmetic holds where the document
 *    allows it (amount-reconciliation.ts).
 *
 * Each field gets a confidence from where and how it was found; decisions use them.
 */
import Decimal from 'decimal.js';
import { detectNumberStyle, findAmounts, type AmountToken, type NumberStyle } from './amounts';
import { reconcileAmounts, type AmountCandidate } from './amount-reconciliation';
import { detectCurrency } from './currency-detection';
import { addDays, chooseDayOrder, findDates, parseDate, paymentTermDays, type DayOrder } from './dates';
import { emptyInvoice, type ExtractedInvoice, type InvoiceHints } from './extracted-invoice';
import type { LabelKind } from './invoice-labels';
import { labelHits, valueAfter, type FoundValue, type LabelHit } from './labelled-values';
import { extractLineItems } from './line-items';
import { extractParties } from './parties';
import { textLines } from './text-layout';

/**
 * An invoice number: letters, digits and separators, with at least one digit. After a bare
 * title word ("Invoice 2026-03-05") a date is no number; after "Invoice No." it may be one.
 */
function invoiceNumberOf(text: string, order: DayOrder, explicit: boolean): string | undefined {
  const token = /^[#:]?\s*([A-Za-z0-9][A-Za-z0-9\-/._]*[A-Za-z0-9]|\d)(?=\s|$|,)/.exec(text.trim())?.[1];
  if (token === undefined || token.length > 32 || !/\d/.test(token)) return undefined;
  if (!explicit && parseDate(token, order) !== undefined) return undefined;
  return token;
}

function lastAmount(text: string, style: NumberStyle): AmountToken | undefined {
  return findAmounts(text, style)
    .filter((token) => !token.percent)
    .at(-1);
}

export function extractFromText(text: string, hints: InvoiceHints = {}): ExtractedInvoice {
  const invoice = emptyInvoice('text');
  const lines = textLines(text);
  const style = detectNumberStyle(text);
  const table = extractLineItems(lines, style);
  const hits = labelHits(lines, table.lineIndexes);
  const byKind = (kind: LabelKind): LabelHit[] => hits.filter((hit) => hit.label.kind === kind);
  const best = <T>(found: (FoundValue<T> | undefined)[]): FoundValue<T> | undefined =>
    found
      .filter((value): value is FoundValue<T> => value !== undefined)
      .sort((a, b) => b.confidence - a.confidence || a.line - b.line)[0];

  // Amount candidates per field: the last amount after each label (VAT 19 %  190,00 → 190,00).
  const amountsOf = (kind: LabelKind): AmountCandidate[] =>
    byKind(kind)
      .map((hit) => valueAfter(lines, hit, (piece) => lastAmount(piece, style), { whole: true }))
      .filter((found): found is FoundValue<AmountToken> => found !== undefined)
      .map((found) => ({ value: found.value.value, confidence: found.confidence, line: found.line }));
  const totals = amountsOf('total');
  const linesSum =
    table.items.length === 0 ? undefined : table.items.reduce((sum, item) => sum.plus(item.amount), new Decimal(0));
  if (totals.length === 0) {
    // No total label understood: the largest amount with a currency mark, at low confidence.
    const marked = lines
      .filter((line) => !table.lineIndexes.has(line.index))
      .flatMap((line) => findAmounts(line.text, style).map((token) => ({ token, line: line.index })))
      .filter(({ token }) => !token.percent && token.currencyMark !== undefined);
    const largest = marked.sort((a, b) => b.token.value.comparedTo(a.token.value))[0];
    if (largest !== undefined) totals.push({ value: largest.token.value, confidence: 0.45, line: largest.line });
  }
  const amounts = reconcileAmounts(amountsOf('net'), amountsOf('tax'), totals, linesSum);

  // Currency: a labelled one, the marks next to amounts (the total's count most), the text.
  const currencyLabel = best(
    byKind('currency').map((hit) => valueAfter(lines, hit, (piece) => (/^\S{1,4}/.test(piece) ? piece : undefined))),
  );
  const currency = detectCurrency(lines, style, currencyLabel?.value, amounts.total?.line);
  if (currency.code !== undefined) {
    invoice.currency = currency.code;
    invoice.confidence.currency = currency.confidence;
  } else if (currency.unknown !== undefined) {
    invoice.currencyAsWritten = currency.unknown;
    if (/^[A-Z]{3}$/.test(currency.unknown)) invoice.currency = currency.unknown;
    invoice.confidence.currency = currency.confidence;
  } else if (hints.defaultCurrency !== undefined) {
    invoice.currency = hints.defaultCurrency;
    invoice.confidence.currency = 0.5;
    invoice.notes.push({
      code: 'currency_assumed',
      field: 'currency',
      message: `no currency is written on the document: ${hints.defaultCurrency} assumed (INVOICE_DEFAULT_CURRENCY)`,
    });
  }

  const chosen = chooseDayOrder(text, invoice.currency);
  let { order } = chosen;
  const readDates = (dayOrder: DayOrder): { issue?: FoundValue<string>; due?: FoundValue<string> } => {
    // A date right after its label ("Date: 5 March 2026, Berlin"), not one later in a sentence.
    const dateOf = (piece: string): string | undefined => {
      const found = parseDate(piece, dayOrder) ?? findDates(piece, dayOrder)[0];
      return found !== undefined && found.start === 0 ? found.iso : undefined;
    };
    const issue = best(byKind('issueDate').map((hit) => valueAfter(lines, hit, dateOf)));
    const due = best(byKind('dueDate').map((hit) => valueAfter(lines, hit, dateOf)));
    return { ...(issue === undefined ? {} : { issue }), ...(due === undefined ? {} : { due }) };
  };
  let { issue, due } = readDates(order);
  if (!chosen.evidence && issue !== undefined && due !== undefined && due.value < issue.value) {
    // Read the other way, the due date follows the issue date: that reading is the document's.
    const other: DayOrder = order === 'DMY' ? 'MDY' : 'DMY';
    const again = readDates(other);
    if (again.issue !== undefined && again.due !== undefined && again.due.value >= again.issue.value) {
      ({ issue, due } = again);
      order = other;
    }
  }
  const evidence = chosen.evidence;

  const number = best([
    ...byKind('invoiceNumber').map((hit) => valueAfter(lines, hit, (piece) => invoiceNumberOf(piece, order, true))),
    ...byKind('invoiceTitle').map((hit) => {
      const found = valueAfter(lines, hit, (piece) => invoiceNumberOf(piece, order, false), { sameLineOnly: true });
      return found === undefined ? undefined : { ...found, confidence: found.confidence * 0.85 };
    }),
  ]);
  if (number !== undefined) {
    invoice.invoiceNumber = number.value;
    invoice.confidence.invoiceNumber = number.confidence;
  }

  if (issue !== undefined) {
    invoice.issueDate = issue.value;
    invoice.confidence.issueDate = issue.confidence;
  } else {
    // No labelled date: the first date of the letterhead that no other label claims.
    const claimed = new Set(hits.filter((hit) => hit.label.kind !== 'issueDate').map((hit) => hit.line.index));
    const first = lines
      .slice(0, Math.max(15, Math.ceil(lines.length / 3)))
      .filter((line) => !claimed.has(line.index) && !table.lineIndexes.has(line.index))
      .flatMap((line) => findDates(line.text, order))[0];
    if (first !== undefined) {
      invoice.issueDate = first.iso;
      invoice.confidence.issueDate = 0.5;
    }
  }
  if (due !== undefined && due.value !== invoice.issueDate) {
    invoice.dueDate = due.value;
    invoice.confidence.dueDate = due.confidence;
  } else if (invoice.issueDate !== undefined) {
    const days = paymentTermDays(text);
    if (days !== undefined) {
      invoice.dueDate = addDays(invoice.issueDate, days);
      invoice.confidence.dueDate = 0.7;
      invoice.notes.push({
        code: 'due_date_from_terms',
        field: 'dueDate',
        message: `due date computed from the payment terms: ${days} days after the issue date`,
      });
    }
  }
  const ambiguousDates = [invoice.issueDate, invoice.dueDate].some(
    (date) =>
      date !== undefined && !evidence && findDates(text, order).some((token) => token.iso === date && token.ambiguous),
  );
  if (ambiguousDates) {
    invoice.notes.push({
      code: 'date_order_assumed',
      field: 'issueDate',
      message: `day and month could be read either way; read ${order === 'MDY' ? 'month first (US dollars)' : 'day first'}`,
    });
    for (const field of ['issueDate', 'dueDate'] as const) {
      if (invoice.confidence[field] !== undefined) invoice.confidence[field] = Math.min(invoice.confidence[field], 0.7);
    }
  }

  const parties = extractParties(lines, hits, table.lineIndexes, hints);
  if (parties.supplier !== undefined) {
    invoice.supplier = parties.supplier;
    invoice.confidence.supplier = parties.supplierConfidence;
    if (parties.supplierVatConfidence > 0) invoice.confidence.supplierVatId = parties.supplierVatConfidence;
  }
  if (parties.customer !== undefined) {
    invoice.customer = parties.customer;
    invoice.confidence.customer = parties.customerConfidence;
  }

  invoice.lines = table.items;
  if (table.items.length > 0) invoice.confidence.lines = table.confidence;
  for (const field of ['net', 'tax', 'total'] as const) {
    const candidate = amounts[field];
    if (candidate === undefined) continue;
    invoice[field] = candidate.value;
    invoice.confidence[field] = candidate.confidence;
  }
  if (linesSum !== undefined && invoice.confidence.lines !== undefined) {
    const target = invoice.net ?? (invoice.tax === undefined ? invoice.total : invoice.total?.minus(invoice.tax));
    if (target !== undefined && linesSum.eq(target))
      invoice.confidence.lines = Math.max(invoice.confidence.lines, 0.95);
  }
  const payable = best(
    byKind('payable').map((hit) => valueAfter(lines, hit, (piece) => lastAmount(piece, style), { whole: true })),
  );
  if (payable !== undefined) invoice.payable = payable.value.value;

  const reference = best(
    byKind('paymentReference').map((hit) =>
      valueAfter(lines, hit, (piece) => (/\w{3}/.test(piece) && piece.length <= 60 ? piece : undefined)),
    ),
  );
  if (reference !== undefined) {
    invoice.paymentReference = reference.value;
    invoice.confidence.paymentReference = reference.confidence;
  }
  if (invoice.total?.isNegative() === true || /\b(credit\s*note|gutschrift|avoir|creditnota)\b/i.test(text))
    invoice.creditNote = true;
  return invoice;
}
