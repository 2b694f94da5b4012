import { UsageError } from './cli-error';
import { parseDuration, parseOffset, parseTime, parseTimeOrOffset } from './parse-time';

const now = new Date('2026-11-22T12:00:00.000Z');

describe('parseTime', () => {
  it.each([
    ['15m', '2026-11-22T11:45:00.000Z'],
    ['2h', '2026-11-22T10:00:00.000Z'],
    ['7d', '2026-11-15T12:00:00.000Z'],
    ['1h30m', '2026-11-22T10:30:00.000Z'],
    ['500ms', '2026-11-22T11:59:59.500Z'],
  ])('reads the duration %s as that long before now', (text, expected) => {
    expect(parseTime(text, now, '--since').toISOString()).toBe(expected);
  });

  it.each([
    ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T10:00Z', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T11:00:00+01:00', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T11:00:00+0100', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T10:00:00.123456Z', '2026-11-22T10:00:00.123Z'],
    ['2026-11-22', '2026-11-22T00:00:00.000Z'],
  ])('reads the ISO-8601 time %s', (text, expected) => {
    expect(parseTime(text, now, '--from').toISOString()).toBe(expected);
  });

  it('asks for a zone when an ISO time has none (local time would be a guess)', () => {
    expect(() => parseTime('2026-11-22T10:00:00', now, '--from')).toThrow(
      '--from "2026-11-22T10:00:00" is not a time (add a zone: Z or +01:00)',
    );
  });

  it.each(['yesterday', '2026-02-30', '2026-13-01', '2026-11-22T25:00Z', '15', '-2h', '2h ago', ''])(
    'rejects %j as a usage error naming it',
    (text) => {
      expect(() => parseTime(text, now, '--since')).toThrow(UsageError);
      expect(() => parseTime(text, now, '--since')).toThrow(`--since "${text}" is not a time`);
    },
  );

  it('knows units only with an amount', () => {
    expect(parseDuration('h')).toBeUndefined();
    expect(parseDuration('2x')).toBeUndefined();
    expect(parseDuration('1w')).toBe(7 * 86_400_000);
  });
});

describe('parseOffset', () => {
  it('reads a bare integer as an offset in every partition', () => {
    expect(parseOffset('42')).toEqual({ offset: '42' });
  });

  it('reads <partition>:<offset>', () => {
    expect(parseOffset('3:0042')).toEqual({ partition: 3, offset: '42' });
  });

  it('keeps offsets beyond 2^53 exact', () => {
    expect(parseOffset('9007199254740993')).toEqual({ offset: '9007199254740993' });
  });

  it.each(['-1', '1.5', 'a:1', '1:', ':1', '1:2:3'])('rejects %j', (text) => {
    expect(parseOffset(text)).toBeUndefined();
  });
});

describe('parseTimeOrOffset', () => {
  it('takes a bare integer as an offset, a duration needs its unit', () => {
    expect(parseTimeOrOffset('120', now, '--from')).toEqual({ kind: 'offset', offset: '120' });
    expect(parseTimeOrOffset('120s', now, '--from')).toEqual({
      kind: 'time',
      time: new Date('2026-11-22T11:58:00.000Z'),
    });
  });

  it('takes a partition offset and an ISO time', () => {
    expect(parseTimeOrOffset('1:7', now, '--from')).toEqual({ kind: 'offset', partition: 1, offset: '7' });
    expect(parseTimeOrOffset('2026-11-22T10:00:00Z', now, '--from')).toEqual({
      kind: 'time',
      time: new Date('2026-11-22T10:00:00Z'),
    });
  });

  it('names the value and both accepted forms when it is neither', () => {
    expect(() => parseTimeOrOffset('soon', now, '--from')).toThrow(
      /^--from "soon" is neither a time \(.*\) nor an offset like 42/,
    );
  });
});
