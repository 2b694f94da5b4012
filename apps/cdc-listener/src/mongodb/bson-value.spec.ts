import { Binary, BSONRegExp, Decimal128, Long, ObjectId, Timestamp, UUID } from 'mongodb';
import { bsonToJson } from './bson-value';

describe('BSON values as JSON', () => {
  it('keeps Decimal128 and large int64 exact, as strings', () => {
    expect(bsonToJson(Decimal128.fromString('10.50'))).toBe('10.50');
    expect(bsonToJson(Long.fromString('9007199254740993'))).toBe('9007199254740993');
    expect(bsonToJson(9007199254740993n)).toBe('9007199254740993');
    expect(bsonToJson(7)).toBe(7);
    expect(bsonToJson(Number.NaN)).toBe('NaN');
  });

  it('writes ObjectId as hex, Date as RFC 3339, Binary as base64 and a UUID as its string', () => {
    expect(bsonToJson(new ObjectId('65f0a1b2c3d4e5f6a7b8c9d0'))).toBe('65f0a1b2c3d4e5f6a7b8c9d0');
    expect(bsonToJson(new Date('2024-05-02T07:21:00.123Z'))).toBe('2024-05-02T07:21:00.123Z');
    expect(bsonToJson(new Binary(Buffer.from([0, 255])))).toBe('AP8=');
    expect(bsonToJson(new UUID('0b4ba4b4-8e6b-4a7e-9d55-6a2f3c1e0d11'))).toBe('0b4ba4b4-8e6b-4a7e-9d55-6a2f3c1e0d11');
  });

  it('converts nested documents and arrays, timestamps and regular expressions', () => {
    expect(
      bsonToJson({
        lines: [{ qty: 2, price: Decimal128.fromString('1.10') }],
        at: new Timestamp({ t: 1_700_000_000, i: 3 }),
        pattern: new BSONRegExp('^a', 'i'),
        missing: undefined,
      }),
    ).toEqual({ lines: [{ qty: 2, price: '1.10' }], at: { t: 1_700_000_000, i: 3 }, pattern: '/^a/i', missing: null });
  });
});
