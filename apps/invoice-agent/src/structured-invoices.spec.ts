import { InvoiceFormatInvalid, InvoiceFormatUnsupported } from './invoice-errors';
import { extractFromJson } from './json-invoice-extractor';
import { extractFromUbl } from './ubl-invoice-extractor';

describe('structured invoices', () => {
  it('refuses XML that is no UBL invoice, XML that does not parse, and any DOCTYPE', () => {
    expect(() => extractFromUbl('<?xml version="1.0"?><rsm:CrossIndustryInvoice xmlns:rsm="urn:x"/>')).toThrow(
      InvoiceFormatUnsupported,
    );
    expect(() => extractFromUbl('<Invoice><ID>1</Invoice>')).toThrow(InvoiceFormatInvalid);
    expect(() => extractFromUbl('<!DOCTYPE x [<!ENTITY a "aaaa">]><Invoice><ID>&a;</ID></Invoice>')).toThrow(
      InvoiceFormatInvalid,
    );
  });

  it('reads JSON whatever its producer called the keys, and money in any of its forms', () => {
    const invoice = extractFromJson(
      JSON.stringify({
        invoice: {
          invoiceNo: 'X-1',
          date: '05.03.2026',
          seller: 'Plain Name Co.',
          currencyCode: 'EUR',
          items: [{ name: 'A', qty: '2', price: '1.234,50 €' }],
          amounts: {
            net: { amountMinor: 246900, currency: 'EUR' },
            vat: '469,11',
            grandTotal: { amount: '2938.11', currency: 'EUR' },
          },
        },
      }),
    );
    expect(invoice).toMatchObject({
      invoiceNumber: 'X-1',
      issueDate: '2026-03-05',
      supplier: { name: 'Plain Name Co.' },
      currency: 'EUR',
    });
    expect([
      invoice.lines[0]?.amount.toFixed(2),
      invoice.net?.toFixed(2),
      invoice.tax?.toFixed(2),
      invoice.total?.toFixed(2),
    ]).toEqual(['2469.00', '2469.00', '469.11', '2938.11']);
  });

  it('refuses JSON that does not parse', () => {
    expect(() => extractFromJson('{"invoice":')).toThrow(InvoiceFormatInvalid);
  });
});
