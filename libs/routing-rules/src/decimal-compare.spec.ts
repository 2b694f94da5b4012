import { compareDecimal, isComparable } from './decimal-compare';

describe('compareDecimal', () => {
  it('compares numbers', () => {
    expect(compareDecimal(1, 2)).toBe(-1);
    expect(compareDecimal(2, 2)).toBe(0);
    expect(compareDecimal(-1, -2)).toBe(1);
  });

  it('compares decimal strings exactly, beyond what a float holds', () => {
    expect(compareDecimal('12.50', '12.5')).toBe(0);
    expect(compareDecimal('0.1', '0.10000000000000001')).toBe(-1);
    expect(compareDecimal('90071992547409931', '90071992547409930')).toBe(1);
    expect(compareDecimal('-3.2', '-3.15')).toBe(-1);
    expect(compareDecimal('-0', '0.00')).toBe(0);
    expect(compareDecimal('007', '7')).toBe(0);
  });

  it('compares a number with a decimal string', () => {
    expect(compareDecimal(1250, '1250.00')).toBe(0);
    expect(compareDecimal('999.99', 1000)).toBe(-1);
    expect(compareDecimal(1e21, '5')).toBe(1);
  });

  it('takes only finite numbers and decimal strings', () => {
    expect([1, '1.5', '-2', 'abc', '1e3', Number.NaN, Infinity, null, true].map(isComparable)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
