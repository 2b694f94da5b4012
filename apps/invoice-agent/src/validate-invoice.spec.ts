import Decimal from 'decimal.js';
import { emptyInvoice, type ExtractedInvoice } from './extracted-invoice';
import { validateInvoice } from './validate-invoice';

const d = (value: string): Decimal => new Decimal(value);

function valid(overrides: Partial<ExtractedInvoice> = {}): ExtractedInvoice {
  return {
    ...emptyInvoice('text'),
    invoiceNumber: 'INV-1',
    issueDate: '2026-03-05',
    dueDate: '2026-04-04',
    supplier: { name: 'ACME GmbH' },
    currency: 'EUR',
    lines: [
      { description: 'A', quantity: d('3'), unitPrice: d('0.10'), amount: d('0.30') },
      { description: 'B', quantity: d('1'), unitPrice: d('100.00'), amount: d('100.00') },
    ],
    net: d('100.30'),
    tax: d('19.06'),
    total: d('119.36'),
    ...overrides,
  };
}
const codes = (invoice: ExtractedInvoice): string[] =>
  validateInvoice(invoice, '2026-03-10').map((issue) => `${issue.severity}:${issue.code}`);

describe('validateInvoice', () => {
  it('finds nothing wrong with an invoice whose sums hold to the cent (0.1 + 0.2 is exact here)', () => {
    expect(codes(valid())).toEqual([]);
  });

  it('flags lines that do not add up to the subtotal', () => {
    const issues = validateInvoice(valid({ net: d('100.31'), total: d('119.37') }), '2026-03-10');
    expect(issues).toContainEqual({
      code: 'lines_sum_mismatch',
      severity: 'error',
      field: 'net',
      message: 'the line amounts add up to 100.30 EUR, the subtotal is 100.31 EUR',
    });
  });

  it('flags a subtotal and tax that do not make the total', () => {
    expect(codes(valid({ total: d('119.37') }))).toEqual(['error:total_mismatch']);
    expect(codes(valid({ tax: undefined }))).toEqual(['error:total_mismatch']);
  });

  it('accepts gross lines that add up to the total when there is no subtotal', () => {
    const gross = valid({
      net: undefined,
      lines: [{ description: 'A', quantity: d('1'), amount: d('119.36') }],
    });
    expect(codes(gross)).toEqual([]);
  });

  it('takes document-level allowances between the lines and the net into account', () => {
    expect(codes(valid({ net: d('90.30'), tax: d('17.16'), total: d('107.46'), netAdjustment: d('-10') }))).toEqual([]);
  });

  it('flags a due date before the issue date, missing fields and an unknown currency', () => {
    expect(codes(valid({ dueDate: '2026-03-01' }))).toEqual(['error:due_before_issue']);
    expect(codes(valid({ invoiceNumber: undefined, supplier: undefined }))).toEqual([
      'error:missing_field',
      'error:missing_field',
    ]);
    expect(codes(valid({ currency: 'XBT', currencyAsWritten: 'XBT' }))).toEqual(['error:unknown_currency']);
  });

  it('flags amounts finer than the currency and a quantity × price that is not the line amount', () => {
    expect(codes(valid({ currency: 'JPY', lines: [], net: d('100.3'), tax: d('19.06'), total: d('119.36') }))).toEqual(
      expect.arrayContaining(['error:amount_precision', 'warning:no_line_items']),
    );
    const discounted = valid();
    discounted.lines[1] = { description: 'B', quantity: d('1'), unitPrice: d('110.00'), amount: d('100.00') };
    expect(codes(discounted)).toEqual(['warning:line_amount_mismatch']);
  });

  it('warns of a missing due date, a future issue date and the extractor’s notes', () => {
    const invoice = valid({ dueDate: undefined, issueDate: '2026-04-01' });
    invoice.notes.push({ code: 'currency_assumed', field: 'currency', message: 'assumed' });
    expect(codes(invoice)).toEqual([
      'warning:missing_due_date',
      'warning:issue_date_in_future',
      'warning:currency_assumed',
    ]);
  });
});
