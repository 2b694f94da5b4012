/**
 * Times and offsets as operators type them. A time is ISO-8601 with a zone
 * (`2026-11-22T10:00:00Z`, `2026-11-22T11:00+01:00`, or a date `2026-11-22` meaning UTC
 * midnight) or a duration back from now (`15m`, `2h`, `7d`, `1h30m`). An offset is a
 * non-negative integer (in every partition) or `<partition>:<offset>`. A bare integer is
 * therefore always an offset: a duration needs its unit.
 */
import { UsageError } from './cli-error';

export type TimeOrOffset = { kind: 'time'; time: Date } | { kind: 'offset'; offset: string; partition?: number };

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d|w)/g;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/i;
const OFFSET = /^(?:(\d+):)?(\d+)$/;

export const TIME_HELP = 'ISO-8601 like 2026-11-22T10:00:00Z, or a duration back from now like 15m, 2h, 7d';
export const OFFSET_HELP = 'an offset like 42 (every partition) or 0:42 (partition 0)';

/** Milliseconds of a duration like `90s` or `1h30m`; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** An ISO-8601 time with a zone; undefined when the text is not one (or names a day that does not exist). */
export function parseIsoTime(text: string): Date | undefined {
  const match = ISO_TIME.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const days = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > days) return undefined;
  if (Number(hour ?? 0) > 23 || Number(minute ?? 0) > 59 || Number(second ?? 0) > 59) return undefined;
  if (hour === undefined) return new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const millis = (fraction ?? '').padEnd(3, '0').slice(0, 3);
  const normalisedZone =
    zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const time = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second ?? '00'}.${millis}${normalisedZone}`);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** `--from 2h` and `--from 2026-11-22T10:00:00Z` alike; a usage error naming the option and value otherwise. */
export function parseTime(text: string, now: Date, option: string): Date {
  const duration = parseDuration(text);
  if (duration !== undefined) return new Date(now.getTime() - duration);
  const time = parseIsoTime(text);
  if (time !== undefined) return time;
  const hint = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i.test(text) ? ' (add a zone: Z or +01:00)' : '';
  throw new UsageError(`${option} "${text}" is not a time${hint}: use ${TIME_HELP}`);
}

/** An offset, optionally in one partition; undefined when the text is not one. */
export function parseOffset(text: string): { offset: string; partition?: number } | undefined {
  const match = OFFSET.exec(text);
  if (match === null) return undefined;
  const [, partition, offset] = match;
  const canonical = BigInt(offset ?? '0').toString();
  if (partition === undefined) return { offset: canonical };
  const partitionNumber = Number(partition);
  return Number.isSafeInteger(partitionNumber) ? { offset: canonical, partition: partitionNumber } : undefined;
}

export function parseTimeOrOffset(text: string, now: Date, option: string): TimeOrOffset {
  const offset = parseOffset(text);
  if (offset !== undefined) return { kind: 'offset', ...offset };
  const duration = parseDuration(text);
  const time = duration === undefined ? parseIsoTime(text) : new Date(now.getTime() - duration);
  if (time !== undefined) return { kind: 'time', time };
  throw new UsageError(`${option} "${text}" is neither a time (${TIME_HELP}) nor ${OFFSET_HELP}`);
}
