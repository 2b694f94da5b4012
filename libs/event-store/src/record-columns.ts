/**
 * How one Kafka record becomes one row of `event_store.events`: pure, unit-tested without a
 * database.
 *
 * A single bad record must never fail the archiver's whole batch (it would be redelivered and
 * fail again, forever). Text loses NUL characters and lone surrogates, an unparseable
 * `ce_time` or `ce_schemaversion` becomes null, and a value that cannot be JSON jsonb holds
 * (not UTF-8, JSON `null`, a \u0000 escape, a lone surrogate, a huge exponent) is kept as
 * base64. Whether a value is JSON at all is left to jsonb, which parses it anyway:
 * EventStore.append keeps as base64 what jsonb refuses (event-store-append.int.spec.ts).
 */
import { isUtf8 } from 'node:buffer';
import { isSecretHeader } from '@flowline/telemetry';
import { InvalidArchivedRecord } from './errors';

/** One Kafka record as the archiver received it. */
export interface ArchivedRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit: a decimal string, as kafkajs gives them. */
  offset: string;
  /** The broker's (or producer's) record timestamp: the partition key of the store. */
  timestamp: Date;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Headers that may carry credentials are never stored (webhook signatures, auth, cookies,
 * keys): the same rule that keeps them out of logs and dead letters (libs/telemetry).
 */
export { isSecretHeader };

/** The CloudEvents attributes as the Kafka binding's binary mode carries them. */
export const CE_HEADERS = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  time: 'ce_time',
  correlationid: 'ce_correlationid',
  causationid: 'ce_causationid',
  schemaversion: 'ce_schemaversion',
  specversion: 'ce_specversion',
} as const;

/** One row, in the shapes the insert statement sends (timestamps as ISO text, jsonb as JSON text). */
export interface EventRowColumns {
  id: string | null;
  type: string | null;
  source: string | null;
  subject: string | null;
  time: string | null;
  correlationid: string | null;
  causationid: string | null;
  schemaversion: number | null;
  topic: string;
  partition: number;
  offset: string;
  kafkaTimestamp: string;
  key: string | null;
  headers: string;
  data: string | null;
  valueBase64: string | null;
  /** The value's exact text when it went to `data` (jsonb keeps the meaning, not the bytes). */
  valueText: string | null;
}

const MAX_INT4 = 2_147_483_647;
/** Where a record whose broker timestamp PostgreSQL cannot hold is filed. */
export const UNPLACEABLE_TIMESTAMP = '9999-12-31T00:00:00.000Z';
/** The stored header that keeps such a record's raw timestamp (ms since the epoch, as Kafka gave it). */
export const RAW_TIMESTAMP_HEADER = 'flowline-archived-raw-timestamp';
const RFC3339 = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * The archiver calls this for every record it stores, so it is written for speed: one
 * object built once, the headers column written as JSON text directly, the common shapes
 * (a canonical ce_time, a run of records with one broker timestamp) recognised cheaply.
 */
export function recordColumns(record: ArchivedRecord): EventRowColumns {
  if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition > MAX_INT4) {
    throw new InvalidArchivedRecord(
      `partition ${String(record.partition)} of a record on "${record.topic}" is not a Kafka partition number`,
    );
  }
  if (
    !/^\d{1,19}$/.test(record.offset) ||
    (record.offset.length === 19 && BigInt(record.offset) > 9_223_372_036_854_775_807n)
  ) {
    throw new InvalidArchivedRecord(
      `offset "${record.offset}" of a record on "${record.topic}"/${record.partition} is not a Kafka offset`,
    );
  }
  // A producer may write any timestamp (microseconds by mistake: year 55,000). Refusing it
  // would fail its batch forever and stall the partition; it is filed under a fixed far
  // day instead (deterministic, so a redelivery is still recognised; never dropped by
  // retention), and the raw value is kept in a header.
  const validTimestamp = kafkaTimestampText(record.timestamp);
  const headers = record.headers;
  const id = optionalText(headers[CE_HEADERS.id]);
  const time = parseCeTime(headers[CE_HEADERS.time]);
  const schemaversion = parseSchemaVersion(headers[CE_HEADERS.schemaversion]);
  const correlationHeader = optionalText(headers[CE_HEADERS.correlationid]);
  const { data, valueBase64, valueText } = valueColumns(record.value);
  return {
    id,
    type: optionalText(headers[CE_HEADERS.type]),
    source: optionalText(headers[CE_HEADERS.source]),
    subject: optionalText(headers[CE_HEADERS.subject]),
    time,
    // As decodeEvent reads it: an event without the extension starts its own chain.
    correlationid: correlationHeader ?? id,
    causationid: optionalText(headers[CE_HEADERS.causationid]),
    schemaversion,
    topic: cleanText(record.topic),
    partition: record.partition,
    offset: record.offset,
    kafkaTimestamp: validTimestamp ?? UNPLACEABLE_TIMESTAMP,
    key: record.key === null ? null : cleanText(record.key.toString('utf8')),
    headers: headersColumn(headers, {
      time,
      schemaversion,
      correlationidAbsent: correlationHeader === null && id !== null,
      rawTimestamp: validTimestamp === null ? String(record.timestamp.getTime()) : undefined,
    }),
    data,
    valueBase64,
    valueText,
  };
}

function optionalText(value: string | undefined): string | null {
  return value === undefined ? null : cleanText(value);
}

interface HeadersColumnContext {
  time: string | null;
  schemaversion: number | null;
  /** The record had no ce_correlationid, yet its column holds the event id. */
  correlationidAbsent: boolean;
  /** The broker timestamp as Kafka gave it, when the row is filed under UNPLACEABLE_TIMESTAMP. */
  rawTimestamp: string | undefined;
}

/**
 * The headers column as JSON text: every header except the secret ones and the ce_*
 * attributes whose column gives back the header's exact text (stored once, not twice;
 * reading puts them back, see `headersWithAttributes` in stored-event.ts). A ce_time or
 * ce_schemaversion its column cannot give back byte for byte (microseconds, a zone offset,
 * an unreadable version) stays. A record without ce_correlationid gets its id in that
 * column; `null` under the header's name records that the header was absent, so reading does
 * not invent it.
 */
function headersColumn(headers: Record<string, string>, context: HeadersColumnContext): string {
  const stored: Record<string, string | null> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name] as string;
    if (!isSecretHeader(name) && !isRebuiltFromColumn(name, value, context)) stored[cleanText(name)] = cleanText(value);
  }
  if (context.correlationidAbsent) stored[CE_HEADERS.correlationid] = null;
  if (context.rawTimestamp !== undefined) stored[RAW_TIMESTAMP_HEADER] = context.rawTimestamp;
  // One JSON.stringify of the object: several times faster than one per name and value.
  return JSON.stringify(stored);
}

function isRebuiltFromColumn(name: string, value: string, context: HeadersColumnContext): boolean {
  switch (name) {
    case CE_HEADERS.id:
    case CE_HEADERS.type:
    case CE_HEADERS.source:
    case CE_HEADERS.subject:
    case CE_HEADERS.correlationid:
    case CE_HEADERS.causationid:
      return true; // the column holds cleanText(value), exactly what the header would hold
    case CE_HEADERS.time:
      return context.time === value;
    case CE_HEADERS.schemaversion:
      return context.schemaversion !== null && String(context.schemaversion) === value;
    default:
      return false;
  }
}

/**
 * The value as text for the jsonb column, or as base64 when it cannot be JSON jsonb holds:
 * not UTF-8, the JSON `null`, a \u0000 escape, a lone surrogate, a number beyond numeric's
 * range. Whether the text is JSON at all is left to jsonb's own parser, which reads it anyway:
 * EventStore.append keeps as base64 what jsonb refuses (a batch with such a value is sent
 * again with base64 for the values jsonb names).
 */
function valueColumns(value: Buffer | null): Pick<EventRowColumns, 'data' | 'valueBase64' | 'valueText'> {
  if (value === null) return { data: null, valueBase64: null, valueText: null };
  const json = storableJson(value);
  // jsonb normalises what it stores (key order, spacing, number spelling, duplicate keys), so
  // the value's own text is kept beside it: `flowline replay` sends the record byte for byte.
  // storableJson accepted only UTF-8 text, which a text column holds exactly.
  return json === null ? base64Columns(value) : { data: json, valueBase64: null, valueText: value.toString('utf8') };
}

/** The value kept as base64 (no data): for a value jsonb cannot hold. */
export function base64Columns(value: Buffer | null): { data: null; valueBase64: string | null; valueText: null } {
  return { data: null, valueBase64: value === null ? null : value.toString('base64'), valueText: null };
}

const JSONB_REFUSED_ESCAPE = /\\u(?:0000|d[89a-f][0-9a-f]{2})/i;
/**
 * A JSON number with an exponent of five digits or more, as a whole token where JSON puts a
 * value: after `:`, `[`, `,`, whitespace or at the start, and before `,`, `]`, `}`, whitespace
 * or the end. So the "3e81234" inside a hex hash or an id (a file's sha256, about one in ten
 * of them) is not taken for one.
 */
const HUGE_EXPONENTS = /(?<=^|[:[,\s])-?\d+(?:\.\d+)?[eE][+-]?0*(\d{5,})(?=$|[,\]}\s])/g;

/** The JSON `null` with the whitespace JSON allows around it. */
const JSON_NULL = /^[ \t\n\r]*null[ \t\n\r]*$/;

function storableJson(value: Buffer): string | null {
  if (value.length === 0 || !isUtf8(value)) return null;
  const text = value.toString('utf8');
  // A JSON null would read back like a tombstone (no value at all); base64 keeps the
  // difference. A number beyond numeric's range jsonb refuses.
  if (JSON_NULL.test(text) || hasHugeExponent(text)) return null;
  // The common case: jsonb judges the syntax.
  if (!hasRefusedEscape(text)) return text;
  // A \u0000 escape or a surrogate written as an escape: JSON.stringify writes valid
  // surrogate pairs as characters, so only real offenders remain.
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const rewritten = JSON.stringify(parsed);
  return JSONB_REFUSED_ESCAPE.test(rewritten) ? null : rewritten;
}

function hasRefusedEscape(text: string): boolean {
  return text.includes('\\u') && JSONB_REFUSED_ESCAPE.test(text);
}

/**
 * numeric allows 16383 digits after the point and 131072 before; a rare false alarm (such
 * a pattern inside a string) only means the value is kept as base64. Cheap, not complete
 * (a long fraction can overflow too): EventStore.append asks jsonb about a refused batch.
 */
function hasHugeExponent(text: string): boolean {
  for (const exponent of text.matchAll(HUGE_EXPONENTS)) if (Number(exponent[1]) > 16_000) return true;
  return false;
}

// NUL is exactly what these look for.
// eslint-disable-next-line no-control-regex
const NEEDS_CLEANING = /[\u0000\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** PostgreSQL text holds neither NUL nor lone surrogates: both become U+FFFD. */
export function cleanText(text: string): string {
  return NEEDS_CLEANING.test(text) ? text.replace(UNSTORABLE, '\ufffd') : text;
}

/** `ce_time` as ISO text when it is an RFC 3339 time PostgreSQL can hold, else null. */
function parseCeTime(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (isCanonicalTime(value)) return value;
  const match = RFC3339.exec(value.trim());
  if (match === null) return null;
  return storableIsoTime(new Date(value.trim()));
}

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * True for text exactly as `toISOString` writes a real time of years 1–9999 (what every
 * Flowline producer writes): parsing it and writing it back would give the same text.
 */
function isCanonicalTime(value: string): boolean {
  if (value.length !== 24 || !CANONICAL_TIME.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return (
    year >= 1 &&
    day >= 1 &&
    day <= days &&
    Number(value.slice(11, 13)) <= 23 &&
    Number(value.slice(14, 16)) <= 59 &&
    Number(value.slice(17, 19)) <= 59
  );
}

/** Records of one batch mostly share their broker timestamp's millisecond: its text is reused. */
let lastKafkaTimestamp = { ms: Number.NaN, text: null as string | null };

function kafkaTimestampText(date: Date): string | null {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (ms !== lastKafkaTimestamp.ms) lastKafkaTimestamp = { ms, text: storableIsoTime(date) };
  return lastKafkaTimestamp.text;
}

function storableIsoTime(date: Date): string | null {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return null;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999 ? date.toISOString() : null;
}

function parseSchemaVersion(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d{1,10}\s*$/.test(value)) return null;
  const version = Number(value);
  return version <= MAX_INT4 ? version : null;
}
