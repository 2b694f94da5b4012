import { formatLsn, parseLsn } from './lsn';

describe('LSNs', () => {
  it('reads and writes PostgreSQL’s X/Y form exactly, beyond 2^53', () => {
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('FFFFFFFF/FFFFFFFF')).toBe(2n ** 64n - 1n);
    expect(formatLsn(0x1_0000_00a0n)).toBe('1/A0');
    expect(formatLsn(parseLsn('a/bc'))).toBe('A/BC');
  });

  it('refuses what is not an LSN', () => {
    expect(() => parseLsn('16B3748')).toThrow(/not a PostgreSQL LSN/);
  });
});
