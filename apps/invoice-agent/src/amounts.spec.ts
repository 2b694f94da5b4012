import { detectNumberStyle, findAmounts, interpretNumber, parseAmount, type NumberStyle } from './amounts';

const COMMA: NumberStyle = { decimal: ',', spaceGroups: false };
const POINT: NumberStyle = { decimal: '.', spaceGroups: false };
const value = (text: string, style: NumberStyle): string | undefined => parseAmount(text, style)?.value.toFixed();

describe('amounts', () => {
  it.each([
    ['1.234,56', COMMA, '1234.56'],
    ['1,234.56', COMMA, '1234.56'],
    ['1,234.56', POINT, '1234.56'],
    ["1'234.56", POINT, '1234.56'],
    ['1\u00a0234,56', COMMA, '1234.56'],
    ['1\u202f234,56', COMMA, '1234.56'],
    ['1.234.567', POINT, '1234567'],
    ['12,5', POINT, '12.5'],
    ['0,500', POINT, '0.5'],
    ['1,234', POINT, '1234'],
    ['1,234', COMMA, '1.234'],
    ['1.234', COMMA, '1234'],
    ['1234.567', COMMA, '1234.567'],
  ])('reads %s (decimal %p) as %s', (text, style, expected) => {
    expect(interpretNumber(text, style)?.value.toFixed()).toBe(expected);
  });

  it('refuses separators that make no number', () => {
    expect(interpretNumber('1.23.4', POINT)).toBeUndefined();
    expect(interpretNumber('1,234.5.6', POINT)).toBeUndefined();
  });

  it.each([
    ['-12.00', '-12'],
    ['−12.00', '-12'],
    ['12.00-', '-12'],
    ['(12.00)', '-12'],
    ['€ 12.00', '12'],
    ['12,00 EUR', '12'],
    ['USD 1,200', '1200'],
    ['US$1,200.50', '1200.5'],
    ["CHF 9'080.00", '9080'],
  ])('reads the sign and currency of %s', (text, expected) => {
    expect(value(text, POINT)).toBe(expected);
  });

  it('keeps the currency mark and marks percentages', () => {
    const [rate, amount] = findAmounts('VAT 19 %   € 190,00', COMMA);
    expect(rate).toMatchObject({ percent: true });
    expect(amount).toMatchObject({ currencyMark: '€', percent: false });
    expect(amount?.value.toFixed()).toBe('190');
  });

  it('does not take parts of identifiers, dates or times for amounts', () => {
    expect(findAmounts('INV-2026-001 on 2026-03-05 at 12:30', POINT).map((token) => token.text)).toEqual([]);
    expect(findAmounts('Invoice DE123456789', POINT)).toEqual([]);
  });

  it('groups thousands with a plain space only in documents that do so', () => {
    expect(value('1 234,56', { decimal: ',', spaceGroups: true })).toBe('1234.56');
    expect(findAmounts('2 100,00', COMMA).map((token) => token.value.toFixed())).toEqual(['2', '100']);
  });

  it('detects a document’s decimal separator from its unambiguous amounts', () => {
    expect(detectNumberStyle('Total 1.234,56 €\nVAT 12,50')).toEqual({ decimal: ',', spaceGroups: false });
    expect(detectNumberStyle('Total $1,234.56\nTax 12.50')).toEqual({ decimal: '.', spaceGroups: false });
    expect(detectNumberStyle('Total HT 2 900,00 €')).toEqual({ decimal: ',', spaceGroups: true });
    // Dates are no evidence; with none left, the language decides.
    expect(detectNumberStyle('Rechnungsdatum 05.03.2026\nBetrag 1.234').decimal).toBe(',');
    expect(detectNumberStyle('Invoice date 05.03.2026\nAmount 1,234').decimal).toBe('.');
  });
});
