import { emptyInvoice } from './extracted-invoice';
import { invoiceKeys, invoiceNumberKey, supplierNameKey } from './invoice-keys';

describe('invoice keys', () => {
  it('knows a supplier by its name without case, punctuation, accents or legal form', () => {
    expect(supplierNameKey('ACME GmbH')).toBe(supplierNameKey('Acme  Gmbh.'));
    expect(supplierNameKey('Atelier Dupont SARL')).toBe(supplierNameKey('atelier dupont'));
    expect(supplierNameKey('Bäckerei Müller e.K.')).toBe('backereimuller');
  });

  it('compares numbers without case and separators, but keeps leading zeros', () => {
    expect(invoiceNumberKey('inv-0042')).toBe(invoiceNumberKey('INV 0042'));
    expect(invoiceNumberKey('42')).not.toBe(invoiceNumberKey('0042'));
  });

  it('registers by name and, where printed, by VAT id; nothing without supplier or number', () => {
    const invoice = {
      ...emptyInvoice('text'),
      invoiceNumber: 'R-7',
      supplier: { name: 'ACME GmbH', vatId: 'DE123456789' },
    };
    expect(invoiceKeys(invoice)).toEqual(['name:acme|R7', 'vat:DE123456789|R7']);
    expect(invoiceKeys({ ...invoice, supplier: undefined })).toEqual([]);
  });
});
