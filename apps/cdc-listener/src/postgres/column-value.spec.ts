import { ColumnTypes, parseArrayLiteral } from './column-value';

const types = new ColumnTypes();

describe('column values', () => {
  it('keeps numeric and bigint exact, as strings, never floats', () => {
    expect(types.decode(1700, '12345678901234567890.000000000001')).toBe('12345678901234567890.000000000001');
    expect(types.decode(20, '9007199254740993')).toBe('9007199254740993');
    expect(types.decode(23, '-42')).toBe(-42);
  });

  it('gives floats as numbers, and NaN and the infinities as strings (JSON has none)', () => {
    expect(types.decode(701, '0.30000000000000004')).toBe(0.30000000000000004);
    expect(types.decode(700, 'NaN')).toBe('NaN');
    expect(types.decode(701, '-Infinity')).toBe('-Infinity');
  });

  it('writes timestamptz as RFC 3339 in UTC with its microseconds, timestamp without an offset', () => {
    expect(types.decode(1184, '2024-05-02 07:21:00.123456+00')).toBe('2024-05-02T07:21:00.123456Z');
    expect(types.decode(1184, '2024-05-02 09:21:00+02')).toBe('2024-05-02T09:21:00+02:00');
    expect(types.decode(1184, 'infinity')).toBe('infinity');
    expect(types.decode(1114, '2024-05-02 07:21:00.5')).toBe('2024-05-02T07:21:00.5');
  });

  it('parses json and jsonb, and gives bytea as base64', () => {
    expect(types.decode(3802, '{"a": [1, "x"]}')).toEqual({ a: [1, 'x'] });
    expect(types.decode(17, '\\x00ff')).toBe('AP8=');
  });

  it('decodes arrays by their element type, nested and with NULLs', () => {
    expect(types.decode(1007, '{{1,2},{3,NULL}}')).toEqual([
      [1, 2],
      [3, null],
    ]);
    expect(types.decode(1231, '{1.10,-2}')).toEqual(['1.10', '-2']);
    expect(types.decode(3807, '{"{\\"a\\": 1}",NULL}')).toEqual([{ a: 1 }, null]);
  });

  it('decodes a domain as its base type and an array of a catalogue type by its element', () => {
    const catalog = new ColumnTypes();
    expect(catalog.unknown([23, 70001, 70002, 70003])).toEqual([70001, 70002, 70003]);
    catalog.describe([
      { oid: 70001, category: 'N', elementOid: 0, baseOid: 20 },
      { oid: 70002, category: 'E', elementOid: 0, baseOid: 0 },
      { oid: 70003, category: 'A', elementOid: 70002, baseOid: 0 },
    ]);
    expect(catalog.unknown([70001])).toEqual([]);
    expect(catalog.decode(70001, '250')).toBe('250');
    expect(catalog.decode(70003, '{calm,busy}')).toEqual(['calm', 'busy']);
  });

  it('reads array literals: quoting, escapes, empty arrays and dimension prefixes', () => {
    expect(parseArrayLiteral('{"a b","quote\\"d",NULL,"NULL",""}')).toEqual(['a b', 'quote"d', null, 'NULL', '']);
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('[0:1]={7,8}')).toEqual(['7', '8']);
    expect(() => parseArrayLiteral('{1,2')).toThrow();
  });
});
