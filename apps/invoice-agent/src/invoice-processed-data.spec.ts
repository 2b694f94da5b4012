import Decimal from 'decimal.js';
import { createEvent } from '@flowline/event-schemas';
import { decideInvoice } from './decide-invoice';
import { emptyInvoice, type ExtractedInvoice } from './extracted-invoice';
import { invoiceProcessedData, toMinorUnits } from './invoice-processed-data';
import { validateInvoice } from './validate-invoice';

const d = (value: string): Decimal => new Decimal(value);

function data(invoice: ExtractedInvoice) {
  const issues = validateInvoice(invoice, '2026-03-10');
  const outcome = decideInvoice(invoice, issues, {
    limits: [{ currency: 'EUR', amount: d('5000') }],
    minConfidence: 0.8,
  });
  return invoiceProcessedData({
    documentSha256: 'c'.repeat(64),
    invoice,
    outcome,
    extractor: 'rules',
    documentKind: 'pdf',
  });
}

describe('invoiceProcessedData', () => {
  it('turns amounts into integer minor units by the currency’s exponent', () => {
    expect(toMinorUnits(d('1234.56'), 'EUR')).toEqual({ amountMinor: 123456, currency: 'EUR' });
    expect(toMinorUnits(d('123400'), 'JPY')).toEqual({ amountMinor: 123400, currency: 'JPY' });
    expect(toMinorUnits(d('1.234'), 'BHD')).toEqual({ amountMinor: 1234, currency: 'BHD' });
    expect(toMinorUnits(d('-0.125'), 'EUR')).toEqual({ amountMinor: -13, currency: 'EUR' });
  });

  it('makes data the catalogue accepts, with confidences, reasons and the extraction', () => {
    const invoice: ExtractedInvoice = {
      ...emptyInvoice('text'),
      invoiceNumber: 'INV-9',
      issueDate: '2026-03-05',
      dueDate: '2026-04-04',
      supplier: { name: 'ACME GmbH', vatId: 'DE123456789' },
      currency: 'EUR',
      lines: [{ description: 'Widget', quantity: d('2.5'), unitPrice: d('0.333'), amount: d('0.83') }],
      net: d('0.83'),
      tax: d('0.16'),
      total: d('0.99'),
      confidence: { invoiceNumber: 0.92, supplier: 0.9, issueDate: 0.92, currency: 0.97, total: 0.97 },
    };
    const processed = data(invoice);
    expect(processed).toMatchObject({
      fields: {
        lines: [
          {
            description: 'Widget',
            quantity: '2.5',
            unitPrice: { amountMinor: 33, currency: 'EUR' },
            net: { amountMinor: 83, currency: 'EUR' },
          },
        ],
        total: { amountMinor: 99, currency: 'EUR' },
        supplier: { name: 'ACME GmbH', vatId: 'DE123456789' },
      },
      decision: 'approved',
      reasons: [],
      confidence: 0.9,
      fieldConfidence: { invoiceNumber: 0.92 },
      extraction: { method: 'text', extractor: 'rules', documentKind: 'pdf' },
      validation: { valid: true },
    });
    expect(() => createEvent('invoice.processed', processed, { source: '/test' })).not.toThrow();
  });

  it('leaves amounts out, keeping the currency as written, when it is no ISO currency', () => {
    const processed = data({
      ...emptyInvoice('text'),
      invoiceNumber: 'SAT-21',
      supplier: { name: 'Satoshi Supplies Ltd' },
      currency: 'XBT',
      currencyAsWritten: 'XBT',
      lines: [{ description: 'Rig', quantity: d('1'), amount: d('0.042') }],
      total: d('0.042'),
    });
    expect(processed.fields).toMatchObject({ currencyAsWritten: 'XBT', lines: [] });
    expect(processed.fields.total).toBeUndefined();
    expect(processed).toMatchObject({ decision: 'needs_review', validation: { valid: false } });
    expect(processed.reasons).toContain('unknown_currency');
    expect(() => createEvent('invoice.processed', processed, { source: '/test' })).not.toThrow();
  });
});
