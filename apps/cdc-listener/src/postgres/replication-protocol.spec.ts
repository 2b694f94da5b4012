import { parseReplicationFrame, postgresTimestampToIso, standbyStatusUpdate } from './replication-protocol';

describe('the streaming replication messages', () => {
  it('reads XLogData: where the change starts, the server’s WAL end, and the pgoutput message', () => {
    const frame = Buffer.alloc(28);
    frame[0] = 0x77;
    frame.writeBigUInt64BE(0x10n, 1);
    frame.writeBigUInt64BE(0x20n, 9);
    frame.write('Bxy', 25);
    expect(parseReplicationFrame(frame)).toEqual({
      kind: 'xlogdata',
      walStart: 0x10n,
      walEnd: 0x20n,
      data: Buffer.from('Bxy'),
    });
  });

  it('reads a keepalive and whether the server wants an answer now', () => {
    const keepalive = Buffer.alloc(18);
    keepalive[0] = 0x6b;
    keepalive.writeBigUInt64BE(0x99n, 1);
    keepalive[17] = 1;
    expect(parseReplicationFrame(keepalive)).toEqual({ kind: 'keepalive', walEnd: 0x99n, replyRequested: true });
    expect(() => parseReplicationFrame(Buffer.from('z'))).toThrow(/unknown replication message 0x7a/);
  });

  it('writes a standby status update reporting the position as written, flushed and applied', () => {
    const update = standbyStatusUpdate(0x1234n, new Date('2000-01-01T00:00:01.000Z'));
    expect(update).toHaveLength(34);
    expect(String.fromCharCode(update[0] ?? 0)).toBe('r');
    expect([1, 9, 17].map((offset) => update.readBigUInt64BE(offset))).toEqual([0x1234n, 0x1234n, 0x1234n]);
    // Microseconds since 2000-01-01, PostgreSQL's epoch.
    expect(update.readBigInt64BE(25)).toBe(1_000_000n);
    expect(update[33]).toBe(0);
  });

  it('turns PostgreSQL timestamps into RFC 3339 with microseconds', () => {
    expect(postgresTimestampToIso(0n)).toBe('2000-01-01T00:00:00.000000Z');
    expect(postgresTimestampToIso(767_949_660_123_456n)).toBe('2024-05-02T07:21:00.123456Z');
    expect(postgresTimestampToIso(-1n)).toBe('1999-12-31T23:59:59.999999Z');
  });
});
