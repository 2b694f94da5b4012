/**
 * The Flowline event envelope: CloudEvents 1.0 with our extensions, carried over Kafka in
 * the Kafka protocol binding's binary content mode (attributes in `ce_*` headers, JSON data
 * as the value, `partitionkey` as the message key).
 *
 * The binding is written out here rather than run through the `cloudevents` SDK on every
 * message: the SDK's generic event object and validation cost ≈ 26 µs per consume→produce
 * hop, more than the rest of the runtime together. Conformance is kept by tests
 * (envelope-conformance.spec.ts): our records carry exactly the headers the SDK writes,
 * the SDK decodes them to the same event, and we decode what the SDK writes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { currentSchemaVersion, eventCatalog, EventDataMap, EventType } from './event-catalog';
import { EventDataInvalid, NotACloudEvent, SchemaUnknown } from './errors';
import { LatestData, parseSchemaVersion, SchemaRegistry, upcastToLatest } from './schema-registry';

interface EnvelopeAttributes {
  id: string;
  source: string;
  specversion: '1.0';
  time: string;
  datacontenttype: 'application/json';
  subject?: string;
  correlationid: string;
  causationid?: string;
  schemaversion: number;
  partitionkey: string;
}

/** A decoded, validated event; narrowing on `type` narrows `data`. */
export type FlowlineEvent<T extends EventType = EventType> = {
  [K in T]: EnvelopeAttributes & { type: K; data: EventDataMap[K] };
}[T];

/** The events of any registry (the catalogue, or a test catalogue), typed by latest versions. */
export type RegistryEvent<R extends SchemaRegistry> = {
  [K in keyof R & string]: EnvelopeAttributes & { type: K; data: LatestData<R[K]> };
}[keyof R & string];

export interface CreateEventOptions {
  /** URI-reference naming the producing service and origin, e.g. `/webhook-gateway/github`. */
  source: string;
  /** The event that directly caused this one: its correlation id is inherited. */
  causedBy?: Pick<EnvelopeAttributes, 'id' | 'correlationid'>;
  /** Set when the input already has a stable identity (a webhook delivery id), so a redelivery keeps it. */
  id?: string;
  subject?: string;
  /** Events of one business entity share it, so they stay in order; defaults to the correlation id. */
  partitionKey?: string;
  time?: Date;
}

export function createEvent<T extends EventType>(
  type: T,
  data: EventDataMap[T],
  options: CreateEventOptions,
): FlowlineEvent<T> {
  const id = options.id ?? randomUUID();
  const correlationid = options.causedBy?.correlationid ?? id;
  const parsed = eventCatalog[type].latest.safeParse(data);
  if (!parsed.success) {
    throw new EventDataInvalid(`data for ${type} is invalid: ${parsed.error.message}`);
  }
  const event: EnvelopeAttributes & { type: T; data: EventDataMap[T] } = {
    id,
    source: options.source,
    type,
    specversion: '1.0',
    time: options.time === undefined ? nowIso() : options.time.toISOString(),
    datacontenttype: 'application/json',
    correlationid,
    schemaversion: currentSchemaVersion(type),
    partitionkey: options.partitionKey ?? correlationid,
    // The parsed data, so the event carries exactly what the schema describes (no stray fields).
    data: parsed.data as EventDataMap[T],
  };
  if (options.subject !== undefined) event.subject = options.subject;
  if (options.causedBy !== undefined) event.causationid = options.causedBy.id;
  return event;
}

let nowMs = Number.NaN;
let nowText = '';

/** The current time as `toISOString` writes it, formatted once per millisecond: a busy stage creates many events in one. */
function nowIso(): string {
  const ms = Date.now();
  if (ms !== nowMs) {
    nowMs = ms;
    nowText = new Date(ms).toISOString();
  }
  return nowText;
}

/** The shape a Kafka client sends and receives; kept free of any client library's types. */
/**
 * Header values as Kafka clients deliver them: a header may repeat, and then arrives as an
 * array; a header may also have no value at all (null: Kafka allows it, kafkajs reads it so).
 */
export type KafkaHeaders = Record<string, string | Buffer | null | (string | Buffer | null)[] | undefined>;

export interface KafkaRecord {
  key: string | Buffer | null;
  value: Buffer | null;
  headers: KafkaHeaders;
}

/**
 * One value per header: the last one wins when a header repeats (as later writers intend).
 * A header without a value is left out: it carries nothing, and a null must never reach code
 * that reads header text (it crashed every consumer of the record, over and over).
 */
export function lastHeaderValues(headers: KafkaHeaders | undefined): Record<string, string | Buffer> {
  const flat: Record<string, string | Buffer> = {};
  for (const name of Object.keys(headers ?? {})) {
    const last = lastValue(headers?.[name]);
    if (last !== undefined) flat[name] = last;
  }
  return flat;
}

/** `lastHeaderValues` as UTF-8 text (every Flowline header is text on the wire), in one pass: it runs for every record the archiver stores. */
export function lastHeaderTexts(headers: KafkaHeaders | undefined): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const last = lastValue(headers?.[name]);
    if (last !== undefined) texts[name] = asText(last);
  }
  return texts;
}

/** A header's value as delivered, the last of a repeated one; undefined for a header without a value. */
function lastValue(value: KafkaHeaders[string]): string | Buffer | undefined {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return last === null ? undefined : last;
}

function asText(value: string | Buffer): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

/**
 * The Kafka binding's binary mode, as the `cloudevents` SDK writes it: `content-type` and
 * `ce_datacontenttype` both carry the data's media type, every other attribute and
 * extension is a `ce_` header, and the partition key is also the message key.
 */
export function encodeEvent(event: FlowlineEvent): { key: string; value: Buffer; headers: Record<string, string> } {
  const headers: Record<string, string> = {
    'content-type': event.datacontenttype,
    ce_id: event.id,
    ce_time: event.time,
    ce_type: event.type,
    ce_source: event.source,
    ce_specversion: event.specversion,
    ce_datacontenttype: event.datacontenttype,
  };
  if (event.subject !== undefined) headers['ce_subject'] = event.subject;
  headers['ce_correlationid'] = event.correlationid;
  if (event.causationid !== undefined) headers['ce_causationid'] = event.causationid;
  headers['ce_schemaversion'] = String(event.schemaversion);
  headers['ce_partitionkey'] = event.partitionkey;
  return {
    key: event.partitionkey,
    value: Buffer.from(JSON.stringify(event.data)),
    headers,
  };
}

/**
 * Decodes and validates a Kafka record; every failure is a typed, non-retryable error.
 * Data written with an older schema version is upcast: the result always carries the latest
 * version's data and `schemaversion`.
 */
export function decodeEvent(record: KafkaRecord): FlowlineEvent {
  return decodeEventWith(eventCatalog, record);
}

/** `decodeEvent` against any registry; the catalogue is one, tests bring their own. */
export function decodeEventWith<R extends SchemaRegistry>(registry: R, record: KafkaRecord): RegistryEvent<R> {
  // Only the headers the envelope is read from are turned into text, each looked up by name:
  // a record's other headers (trace context, dead-letter bookkeeping) are not the event's, and
  // this runs once per consumed record.
  const headers = record.headers;
  const id = requiredAttribute(headers, 'ce_id');
  const source = requiredAttribute(headers, 'ce_source');
  const type = requiredAttribute(headers, 'ce_type');
  const specversion = requiredAttribute(headers, 'ce_specversion');
  if (specversion !== '1.0')
    throw new NotACloudEvent(`not a CloudEvent in binary mode: specversion "${specversion}" is not 1.0`);
  const time = headerText(headers, 'ce_time');
  // Like the SDK: a time must be an RFC 3339 timestamp, and is normalised to UTC with milliseconds.
  const normalisedTime = time === undefined ? new Date().toISOString() : normaliseTime(time);
  const data = decodeData(
    headerText(headers, 'content-type') ?? headerText(headers, 'ce_datacontenttype'),
    record.value,
  );
  // An event without the extension predates it (or comes from a plain CloudEvents producer): version 1.
  const writtenVersion = headerText(headers, 'ce_schemaversion') ?? '1';
  const version = parseSchemaVersion(writtenVersion);
  if (version === undefined) {
    throw new SchemaUnknown(`schema version ${JSON.stringify(writtenVersion)} of "${type}" is not a positive integer`);
  }
  const latest = upcastToLatest(registry, type, version, data);
  const correlationid = headerText(headers, 'ce_correlationid') ?? id;
  const event: EnvelopeAttributes & { type: string; data: unknown } = {
    id,
    source,
    type,
    specversion: '1.0',
    time: normalisedTime,
    datacontenttype: 'application/json',
    correlationid,
    schemaversion: latest.version,
    // As the Kafka binding reads it: the extension when present, else the message key.
    partitionkey: headerText(headers, 'ce_partitionkey') ?? messageKey(record.key) ?? correlationid,
    data: latest.data,
  };
  // Optional attributes are left out when absent (not set to undefined), as the SDK does.
  const subject = headerText(headers, 'ce_subject');
  if (subject !== undefined) event.subject = subject;
  const causationid = headerText(headers, 'ce_causationid');
  if (causationid !== undefined) event.causationid = causationid;
  // upcastToLatest validated `data` against the latest schema of `type`, which it found in `registry`.
  return event as RegistryEvent<R>;
}

/** The last value of a header as text; undefined when absent or without a value (Kafka allows a null header). */
function headerText(headers: KafkaHeaders, name: string): string | undefined {
  const last = lastValue(headers[name]);
  return last === undefined ? undefined : asText(last);
}

function messageKey(key: string | Buffer | null): string | undefined {
  if (key === null) return undefined;
  const text = key.toString();
  return text === '' ? undefined : text;
}

function requiredAttribute(headers: KafkaHeaders, name: string): string {
  const value = headerText(headers, name);
  if (value === undefined || value === '')
    throw new NotACloudEvent(`not a CloudEvent in binary mode: header ${name} is missing`);
  return value;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Already canonical (as `toISOString` writes it) and a valid date in every month: days up to the 28th. */
const CANONICAL_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

function normaliseTime(time: string): string {
  // The common case (Flowline writes this form) skips parsing and re-formatting.
  if (CANONICAL_TIME.test(time)) return time;
  const parsed = new Date(time);
  if (!RFC3339.test(time) || Number.isNaN(parsed.getTime())) {
    throw new NotACloudEvent(`not a CloudEvent in binary mode: ce_time "${time}" is not an RFC 3339 timestamp`);
  }
  return parsed.toISOString();
}

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/** JSON data (the only content type Flowline writes); other media types are handed on as text for the schema to judge. */
function decodeData(contentType: string | undefined, value: Buffer | null): unknown {
  if (value === null) return undefined;
  const text = value.toString('utf8');
  if (contentType !== undefined && contentType !== 'application/json' && !JSON_MEDIA_TYPE.test(contentType))
    return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EventDataInvalid(`data is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * A UUID-shaped id that is a pure function of its parts: the same input always yields the
 * same event id, so a redelivered input is recognisably the same event downstream.
 */
export function stableEventId(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The id of the event of `type` that the event `causeId` caused. */
export function derivedEventId(causeId: string, type: EventType): string {
  return stableEventId(causeId, type);
}
