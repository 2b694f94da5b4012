import { findIbans, findVatIds, isValidIban, taxIdOf, vatIdOf } from './tax-identifiers';

describe('tax identifiers', () => {
  it.each([
    ['DE 123 456 789', 'DE123456789'],
    ['ATU12345678', 'ATU12345678'],
    ['FR 40 303265045', 'FR40303265045'],
    ['NL853746333B01', 'NL853746333B01'],
    ['GB 123 4567 89', 'GB123456789'],
    ['CHE-123.456.788 MWST', 'CHE123456788'],
    ['IT01234567890', 'IT01234567890'],
  ])('reads the VAT id %s', (text, expected) => {
    expect(vatIdOf(text)).toBe(expected);
  });

  it('refuses what is no VAT id', () => {
    expect(vatIdOf('DE12345')).toBeUndefined();
    expect(vatIdOf('HRB 12345 B')).toBeUndefined();
  });

  it('finds VAT ids inside a line, without the words after them', () => {
    expect(findVatIds('ACME GmbH · USt-IdNr. DE 287 654 321 · HRB 12345').map((found) => found.vatId)).toEqual([
      'DE287654321',
    ]);
  });

  it('reads other tax numbers as printed', () => {
    expect(taxIdOf('21/815/08150')).toBe('21/815/08150');
    expect(taxIdOf('94-3175629')).toBe('94-3175629');
    expect(taxIdOf('see below')).toBeUndefined();
  });

  it('accepts IBANs by their check digits only', () => {
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(findIbans('IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX').map((found) => found.iban)).toEqual([
      'DE89370400440532013000',
    ]);
    expect(findIbans('Customer number DE12 3456 7890 1234 5678 90')).toEqual([]);
  });
});
