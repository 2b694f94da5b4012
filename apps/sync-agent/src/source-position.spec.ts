import { comparePositions, sortableLsn, sourcePosition } from './source-position';
import { SyncChangeUnsupported } from './sync-errors';

const pg = (lsn: string, changeLsn?: string) =>
  sourcePosition({
    kind: 'postgres',
    database: 'shop',
    schema: 'public',
    table: 'orders',
    lsn,
    ...(changeLsn === undefined ? {} : { changeLsn }),
  });
const mongo = (data: unknown) =>
  sourcePosition({ kind: 'mongodb', database: 'shop', collection: 'orders', resumeToken: { _data: data } });

describe('source positions', () => {
  it('pads both halves of an LSN, so string order is LSN order', () => {
    expect(sortableLsn('0/16B3748')).toBe('00000000016B3748');
    expect(sortableLsn('16/b374d848')).toBe('00000016B374D848');
  });

  it('orders PostgreSQL changes by commit LSN first, then by their own LSN', () => {
    const ordered = [
      pg('0/9000', '0/1000'), // a snapshot-era transaction committed early
      pg('0/FFFF0', '0/FF000'),
      pg('0/FFFF0', '0/FFF00'), // same transaction, later record
      pg('1/0', '0/FFFFF8'), // a later transaction, whose change was logged before the previous commit
      pg('A/0', 'A/0'),
      pg('1A/0', '1A/0'), // 0x1A > 0xA though "1A" < "A" as text
    ];
    for (let index = 1; index < ordered.length; index++) {
      expect(comparePositions(ordered[index - 1] as string, ordered[index] as string)).toBe(-1);
    }
    expect(comparePositions(pg('0/10', '0/8'), pg('0/10', '0/8'))).toBe(0);
  });

  it('puts a snapshot row (no change LSN) before every change committed after the slot start', () => {
    expect(comparePositions(pg('0/5000'), pg('0/5001', '0/4000'))).toBe(-1);
    expect(pg('0/5000')).toBe('pg/0000000000005000/0000000000000000');
  });

  it('orders MongoDB changes by their resume token, whatever case its hex is in', () => {
    expect(comparePositions(mongo('6b14026100000106'), mongo('6B14026100000107'))).toBe(-1);
    expect(comparePositions(mongo('82650A1B2C000000012B'), mongo('82650A1B2C000000022B'))).toBe(-1);
    expect(mongo('82ab')).toBe('mongo/82AB');
  });

  it('refuses a token without hex _data and a malformed LSN, as unsupported changes', () => {
    expect(() => mongo(undefined)).toThrow(SyncChangeUnsupported);
    expect(() => mongo('not hex')).toThrow(/resume token/);
    expect(() => sortableLsn('16B3748')).toThrow(SyncChangeUnsupported);
  });
});
