/**
 * How one Kafka record becomes one row of `event_store.events`: pure, so every rule here is
 * unit-tested without a database.
 *
 * A single bad record must never fail the archiver's whole batch (it would be redelivered and
 * fail again, forever), so nothing here hands PostgreSQL a value it could reject: text loses
 * NUL characters and lone surrogates, an unparseable `ce_time` or `ce_schemaversion` becomes
 * null, and a value that is not JSON PostgreSQL's jsonb accepts is kept as base64 instead.
 */
import { isUtf8 } from 'node:buffer';
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

/** Headers that may carry credentials are never stored (webhook signatures, auth, cookies, keys). */
export const SECRET_HEADER_PATTERN = /signature|secret|authorization|password|token|cookie|api[-_]?key/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER_PATTERN.test(name);
}

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
}

const MAX_INT4 = 2_147_483_647;
/** Where a record whose broker timestamp PostgreSQL cannot hold is filed. */
export const UNPLACEABLE_TIMESTAMP = '9999-12-31T00:00:00.000Z';
/** The stored header that keeps such a record's raw timestamp (ms since the epoch, as Kafka gave it). */
export const RAW_TIMESTAMP_HEADER = 'flowline-archived-raw-timestamp';
const RFC3339 = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function recordColumns(record: ArchivedRecord): EventRowColumns {
  if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition > MAX_INT4) {
    throw new InvalidArchivedRecord(`partition ${String(record.partition)} of a record on "${record.topic}" is not a Kafka partition number`);
  }
  if (!/^\d{1,19}$/.test(record.offset) || BigInt(record.offset) > 9_223_372_036_854_775_807n) {
    throw new InvalidArchivedRecord(`offset "${record.offset}" of a record on "${record.topic}"/${record.partition} is not a Kafka offset`);
  }
  // A producer may write any timestamp (microseconds by mistake: year 55,000). Refusing it
  // would fail its batch forever and stall the partition; it is filed under a fixed far
  // day instead (deterministic, so a redelivery is still recognised; never dropped by
  // retention), and the raw value is kept in a header.
  const validTimestamp = storableIsoTime(record.timestamp);
  const kafkaTimestamp = validTimestamp ?? UNPLACEABLE_TIMESTAMP;
  const header = (name: string): string | null => {
    const value = record.headers[name];
    return value === undefined ? null : cleanText(value);
  };
  const { data, valueBase64 } = valueColumns(record.value);
  const id = header(CE_HEADERS.id);
  return {
    id,
    type: header(CE_HEADERS.type),
    source: header(CE_HEADERS.source),
    subject: header(CE_HEADERS.subject),
    time: parseCeTime(record.headers[CE_HEADERS.time]),
    // As decodeEvent reads it: an event without the extension starts its own chain.
    correlationid: header(CE_HEADERS.correlationid) ?? id,
    causationid: header(CE_HEADERS.causationid),
    schemaversion: parseSchemaVersion(record.headers[CE_HEADERS.schemaversion]),
    topic: cleanText(record.topic),
    partition: record.partition,
    offset: record.offset,
    kafkaTimestamp,
    key: record.key === null ? null : cleanText(record.key.toString('utf8')),
    headers: JSON.stringify(
      validTimestamp === null ? { ...storedHeaders(record.headers), [RAW_TIMESTAMP_HEADER]: String(record.timestamp.getTime()) } : storedHeaders(record.headers),
    ),
    data,
    valueBase64,
  };
}

/** Every header except the secret ones, with text PostgreSQL's jsonb accepts. */
export function storedHeaders(headers: Record<string, string>): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!isSecretHeader(name)) stored[cleanText(name)] = cleanText(value);
  }
  return stored;
}

/**
 * The value as JSON text for the jsonb column, or (when it is not JSON, is the JSON `null`,
 * or is JSON that jsonb refuses: a \u0000 escape, a lone surrogate, a number beyond numeric's
 * range) as base64.
 */
export function valueColumns(value: Buffer | null): { data: string | null; valueBase64: string | null } {
  if (value === null) return { data: null, valueBase64: null };
  const json = storableJson(value);
  return json === null ? { data: null, valueBase64: value.toString('base64') } : { data: json, valueBase64: null };
}

const JSONB_REFUSED_ESCAPE = /\\u(?:0000|d[89a-f][0-9a-f]{2})/i;
const HUGE_EXPONENT = /[eE][+-]?0*(\d{5,})/;

function storableJson(value: Buffer): string | null {
  if (value.length === 0 || !isUtf8(value)) return null;
  const text = value.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  // A JSON null would read back like a tombstone (no value at all); base64 keeps the difference.
  if (parsed === null) return null;
  const exponent = HUGE_EXPONENT.exec(text);
  // numeric allows 16383 digits after the point and 131072 before; a rare false alarm (such
  // a pattern inside a string) only means the value is kept as base64.
  if (exponent?.[1] !== undefined && Number(exponent[1]) > 16_000) return null;
  if (!JSONB_REFUSED_ESCAPE.test(text)) return text;
  // JSON.stringify writes valid surrogate pairs as characters, so only real offenders remain.
  const rewritten = JSON.stringify(parsed);
  return JSONB_REFUSED_ESCAPE.test(rewritten) ? null : rewritten;
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
  const match = RFC3339.exec(value.trim());
  if (match === null) return null;
  return storableIsoTime(new Date(value.trim()));
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
