/**
 * The Flowline event envelope: CloudEvents 1.0 with our extensions, carried over Kafka in
 * the Kafka protocol binding's binary content mode (attributes in `ce_*` headers, the data
 * as the value, `partitionkey` as the message key). See docs/architecture.md "Event envelope".
 *
 * Data is JSON, except for the types that carry what an outside sender sent (webhook.received,
 * email.incoming): a form post, XML or a raw MIME message travels as its exact bytes with its
 * own media type, never re-decoded as text. An event may also have a type of its own outside
 * the catalogue (`github.push`) when its `dataschema` names the catalogue schema its data
 * follows (`urn:flowline:schema:webhook.received`). Structured-mode records
 * (`application/cloudevents+json`, as third-party producers write them) are read too, and
 * handled as the same event in binary mode.
 *
 * The binding is written out here rather than run through the `cloudevents` SDK on every
 * message: the SDK's generic event object and validation cost ≈ 26 µs per consume→produce
 * hop, more than the rest of the runtime together. Conformance is kept by tests
 * (envelope-conformance.spec.ts): our records carry exactly the headers the SDK writes,
 * the SDK decodes them to the same event, and we decode what the SDK writes.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  BINARY_DATA_TYPES,
  BinaryDataType,
  currentSchemaVersion,
  eventCatalog,
  EventDataMap,
  EventType,
} from './event-catalog';
import { EventDataInvalid, NotACloudEvent, SchemaUnknown } from './errors';
import { historyFor, LatestData, parseSchemaVersion, SchemaRegistry, upcastToLatest } from './schema-registry';

interface EnvelopeAttributes {
  id: string;
  source: string;
  specversion: '1.0';
  time: string;
  /** `application/json`, or the media type of opaque bytes (only for BINARY_DATA_TYPES). */
  datacontenttype: string;
  subject?: string;
  correlationid: string;
  causationid?: string;
  schemaversion: number;
  partitionkey: string;
}

/** The data of a type: its schema's, or the exact bytes of another media type where the type allows it. */
type DataOf<K extends EventType> = EventDataMap[K] | (K extends BinaryDataType ? Buffer : never);

type CatalogueEvent<T extends EventType> = {
  [K in T]: EnvelopeAttributes & { type: K; dataschema?: undefined; data: DataOf<K> };
}[T];

/** The `dataschema` of an event whose own type is outside the catalogue. */
export type DataSchemaUri<K extends EventType = EventType> = `urn:flowline:schema:${K}`;

/**
 * An event of a type outside the catalogue (`github.push`, `stripe.invoice.paid`) whose data
 * follows the catalogue schema its `dataschema` names; narrowing on `dataschema` narrows `data`.
 */
export type DerivedTypeEvent = {
  // `dataschema` names the catalogue schema the data follows (only derived types have one).
  [K in EventType]: EnvelopeAttributes & { type: DerivedType; dataschema: DataSchemaUri<K>; data: DataOf<K> };
}[EventType];

declare const derivedType: unique symbol;
/**
 * A type name outside the catalogue. Branded, so `event.type === 'file.uploaded'` narrows a
 * `FlowlineEvent` to the catalogue's `file.uploaded` alone, never to a derived type.
 */
export type DerivedType = `${string}.${string}` & { readonly [derivedType]: true };

/**
 * A decoded, validated event; narrowing on `type` narrows `data`. `FlowlineEvent` (all types)
 * also includes events of derived types; `FlowlineEvent<'invoice.received'>` is exactly that type.
 */
export type FlowlineEvent<T extends EventType = EventType> =
  CatalogueEvent<T> | (EventType extends T ? DerivedTypeEvent : never);

/** The events of any registry (the catalogue, or a test catalogue), typed by latest versions. */
export type RegistryEvent<R extends SchemaRegistry> = {
  [K in keyof R & string]: EnvelopeAttributes & { type: K; data: LatestData<R[K]> };
}[keyof R & string];

const DATA_SCHEMA_PREFIX = 'urn:flowline:schema:';

export function dataSchemaUri<K extends EventType>(type: K): DataSchemaUri<K> {
  return `${DATA_SCHEMA_PREFIX}${type}`;
}

/** The catalogue type a Flowline `dataschema` names; undefined for another producer's URI. */
function schemaTypeOf(dataschema: string | undefined): string | undefined {
  return dataschema?.startsWith(DATA_SCHEMA_PREFIX) === true ? dataschema.slice(DATA_SCHEMA_PREFIX.length) : undefined;
}

const BINARY_TYPES: ReadonlySet<string> = new Set(BINARY_DATA_TYPES);

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
  const parsed = eventCatalog[type].latest.safeParse(data);
  if (!parsed.success) {
    throw new EventDataInvalid(`data for ${type} is invalid: ${parsed.error.message}`);
  }
  // The parsed data, so the event carries exactly what the schema describes (no stray fields).
  return envelope(type, parsed.data, 'application/json', options) as FlowlineEvent<T>;
}

/**
 * An event whose data is the exact bytes an outside sender sent (a form post, XML, a raw
 * MIME message), with their media type: carried as the Kafka value unchanged.
 */
export function createBinaryEvent<T extends BinaryDataType>(
  type: T,
  bytes: Buffer,
  mediaType: string,
  options: CreateEventOptions,
): FlowlineEvent<T> {
  if (mediaType.trim() === '' || JSON_MEDIA_TYPE.test(mediaType)) {
    throw new EventDataInvalid(`binary data of ${type} needs a non-JSON media type (got "${mediaType}")`);
  }
  return envelope(type, bytes, mediaType, options) as FlowlineEvent<T>;
}

/** A reverse-dotted type name: letters, digits, `_` and `-` in segments joined by dots. */
const TYPE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;

/**
 * The same event under a type of its own (`github.push`), its `dataschema` naming the
 * catalogue schema its data still follows, so every consumer can validate it. A catalogue
 * type name is refused: it would claim another schema's data.
 */
export function withDerivedType<T extends EventType>(event: FlowlineEvent<T>, type: string): DerivedTypeEvent {
  if (!TYPE_NAME.test(type)) {
    throw new EventDataInvalid(`event type "${type}" is not reverse-dotted (segments of letters, digits, _ and -)`);
  }
  if (historyFor(eventCatalog, type) !== undefined) {
    throw new EventDataInvalid(`event type "${type}" is a catalogue type: a derived type must not claim it`);
  }
  const schemaType = event.type as EventType;
  return { ...event, type, dataschema: dataSchemaUri(schemaType) } as DerivedTypeEvent;
}

function envelope(
  type: EventType,
  data: unknown,
  datacontenttype: string,
  options: CreateEventOptions,
): EnvelopeAttributes & { type: EventType; data: unknown } {
  const id = options.id ?? randomUUID();
  const correlationid = options.causedBy?.correlationid ?? id;
  const event: EnvelopeAttributes & { type: EventType; data: unknown } = {
    id,
    source: options.source,
    type,
    specversion: '1.0',
    time: options.time === undefined ? nowIso() : options.time.toISOString(),
    datacontenttype,
    correlationid,
    schemaversion: currentSchemaVersion(type),
    partitionkey: options.partitionKey ?? correlationid,
    data,
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
  if (event.dataschema !== undefined) headers['ce_dataschema'] = event.dataschema;
  if (event.subject !== undefined) headers['ce_subject'] = event.subject;
  headers['ce_correlationid'] = event.correlationid;
  if (event.causationid !== undefined) headers['ce_causationid'] = event.causationid;
  headers['ce_schemaversion'] = String(event.schemaversion);
  headers['ce_partitionkey'] = event.partitionkey;
  return {
    key: event.partitionkey,
    value: Buffer.isBuffer(event.data) ? event.data : Buffer.from(JSON.stringify(event.data)),
    headers,
  };
}

/**
 * Decodes and validates a Kafka record; every failure is a typed, non-retryable error.
 * Data written with an older schema version is upcast: the result always carries the latest
 * version's data and `schemaversion`.
 */
export function decodeEvent(record: KafkaRecord): FlowlineEvent {
  return decodeEventWith(eventCatalog, record, BINARY_TYPES);
}

/** Whether a record is a structured-mode CloudEvent (the whole event as JSON in the value). */
export function isStructuredMode(headers: KafkaHeaders): boolean {
  const contentType = headerText(headers, 'content-type');
  return contentType !== undefined && STRUCTURED_MEDIA_TYPE.test(contentType);
}

/**
 * `decodeEvent` against any registry; the catalogue is one, tests bring their own.
 * `binaryDataTypes` are the registry's types whose data may be opaque bytes of a non-JSON media type.
 */
export function decodeEventWith<R extends SchemaRegistry>(
  registry: R,
  record: KafkaRecord,
  binaryDataTypes: ReadonlySet<string> = new Set(),
): RegistryEvent<R> {
  if (isStructuredMode(record.headers)) return decodeEventWith(registry, toBinaryMode(record), binaryDataTypes);
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
  const dataschema = headerText(headers, 'ce_dataschema');
  const schemaType = schemaTypeFor(registry, type, dataschema);
  const contentType = headerText(headers, 'content-type') ?? headerText(headers, 'ce_datacontenttype');
  // An event without the extension predates it (or comes from a plain CloudEvents producer): version 1.
  const writtenVersion = headerText(headers, 'ce_schemaversion') ?? '1';
  const version = parseSchemaVersion(writtenVersion);
  if (version === undefined) {
    throw new SchemaUnknown(`schema version ${JSON.stringify(writtenVersion)} of "${type}" is not a positive integer`);
  }
  let datacontenttype = 'application/json';
  let latest: { readonly version: number; readonly data: unknown };
  if (contentType !== undefined && !isJsonMediaType(contentType) && binaryDataTypes.has(schemaType)) {
    // Opaque bytes (a form post, XML, raw MIME): handed on exactly as sent, never decoded as text.
    const history = historyFor(registry, schemaType);
    if (history === undefined) throw new SchemaUnknown(`unknown event type "${schemaType}"`);
    datacontenttype = contentType;
    latest = { version: history.latestVersion, data: record.value ?? Buffer.alloc(0) };
  } else {
    latest = upcastToLatest(registry, schemaType, version, decodeJsonData(schemaType, contentType, record.value));
  }
  const correlationid = headerText(headers, 'ce_correlationid') ?? id;
  const event: EnvelopeAttributes & { type: string; dataschema?: string; data: unknown } = {
    id,
    source,
    type,
    specversion: '1.0',
    time: normalisedTime,
    datacontenttype,
    correlationid,
    schemaversion: latest.version,
    // As the Kafka binding reads it: the extension when present, else the message key.
    partitionkey: headerText(headers, 'ce_partitionkey') ?? messageKey(record.key) ?? correlationid,
    data: latest.data,
  };
  // Optional attributes are left out when absent (not set to undefined), as the SDK does.
  if (schemaType !== type && dataschema !== undefined) event.dataschema = dataschema;
  const subject = headerText(headers, 'ce_subject');
  if (subject !== undefined) event.subject = subject;
  const causationid = headerText(headers, 'ce_causationid');
  if (causationid !== undefined) event.causationid = causationid;
  // upcastToLatest validated `data` against the latest schema of `type`, which it found in `registry`.
  return event as RegistryEvent<R>;
}

/**
 * The registry type whose schema the data follows: the type itself, or for a type outside
 * the registry the one its Flowline `dataschema` names. A registry type that names another
 * type's schema is refused: a consumer typed by the name would get the other's data.
 */
function schemaTypeFor(registry: SchemaRegistry, type: string, dataschema: string | undefined): string {
  const named = schemaTypeOf(dataschema);
  if (named === undefined || named === type) return type;
  if (historyFor(registry, type) !== undefined) {
    throw new EventDataInvalid(`"${type}" is a catalogue type, but its dataschema names "${named}"`);
  }
  if (historyFor(registry, named) === undefined) {
    throw new SchemaUnknown(
      `unknown event type "${type}": its dataschema names "${named}", which is not in the catalogue`,
    );
  }
  return named;
}

const STRUCTURED_MEDIA_TYPE = /^application\/cloudevents\+json\b/i;
const REQUIRED_ATTRIBUTES = ['id', 'source', 'type', 'specversion'] as const;

/**
 * A structured-mode record as the binary-mode record of the same event: the attributes and
 * extensions of the JSON object become `ce_` headers (trace context: `traceparent`), `data`
 * (or `data_base64`) the value; the key and other headers are kept. A binary-mode record is
 * returned as it is. Throws NotACloudEvent for a structured record that is not a CloudEvent.
 */
export function toBinaryMode<R extends KafkaRecord>(record: R): KafkaRecord {
  if (!isStructuredMode(record.headers)) return record;
  let parsed: unknown;
  try {
    parsed = JSON.parse((record.value ?? Buffer.alloc(0)).toString('utf8'));
  } catch (error) {
    throw new NotACloudEvent(`structured-mode CloudEvent is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new NotACloudEvent('structured-mode CloudEvent is not a JSON object');
  }
  const event = parsed as Record<string, unknown>;
  const headers: KafkaHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (name !== 'content-type' && !name.startsWith('ce_')) headers[name] = value;
  }
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || name === 'data_base64' || name === 'datacontenttype' || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new NotACloudEvent(`structured-mode CloudEvent attribute "${name}" is not a string, number or boolean`);
    }
    // Trace context travels as the distributed-tracing extension in structured mode, as headers in binary mode.
    if (name === 'traceparent' || name === 'tracestate') headers[name] = String(value);
    else if (/^[a-z0-9]{1,20}$/.test(name)) headers[`ce_${name}`] = String(value);
  }
  for (const name of REQUIRED_ATTRIBUTES) {
    if (typeof event[name] !== 'string') {
      throw new NotACloudEvent(`not a CloudEvent in structured mode: attribute "${name}" is missing or not a string`);
    }
  }
  const datacontenttype = typeof event['datacontenttype'] === 'string' ? event['datacontenttype'] : 'application/json';
  let value: Buffer | null = null;
  if (typeof event['data_base64'] === 'string') {
    value = Buffer.from(event['data_base64'], 'base64');
  } else if (event['data'] !== undefined) {
    const data = event['data'];
    value =
      isJsonMediaType(datacontenttype) || typeof data !== 'string'
        ? Buffer.from(JSON.stringify(data))
        : Buffer.from(data, 'utf8');
  }
  headers['content-type'] = datacontenttype;
  headers['ce_datacontenttype'] = datacontenttype;
  return { key: record.key, value, headers };
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

function isJsonMediaType(contentType: string): boolean {
  return contentType === 'application/json' || JSON_MEDIA_TYPE.test(contentType);
}

/** JSON data; a type that carries no opaque bytes gets other media types as text, for its schema to refuse. */
function decodeJsonData(type: string, contentType: string | undefined, value: Buffer | null): unknown {
  if (value === null) return undefined;
  const text = value.toString('utf8');
  if (contentType !== undefined && !isJsonMediaType(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EventDataInvalid(`data of "${type}" is not valid JSON: ${(error as Error).message}`);
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
