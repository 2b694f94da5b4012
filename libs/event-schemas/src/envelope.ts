/**
 * The Flowline event envelope: CloudEvents 1.0 with our extensions, carried over Kafka in
 * the Kafka protocol binding's binary content mode (attributes in `ce_*` headers, JSON data
 * as the value, `partitionkey` as the message key). Encoding and decoding go through the
 * `cloudevents` SDK so any CloudEvents consumer reads our messages.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CloudEvent, CloudEventV1, Kafka, KafkaMessage } from 'cloudevents';
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
  const event = {
    id,
    source: options.source,
    type,
    specversion: '1.0' as const,
    time: (options.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json' as const,
    correlationid,
    schemaversion: currentSchemaVersion(type),
    partitionkey: options.partitionKey ?? correlationid,
    // The parsed data, so the event carries exactly what the schema describes (no stray fields).
    data: parsed.data as EventDataMap[T],
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(options.causedBy === undefined ? {} : { causationid: options.causedBy.id }),
  };
  return event;
}

/** The shape a Kafka client sends and receives; kept free of any client library's types. */
/** Header values as Kafka clients deliver them: a header may repeat, and then arrives as an array. */
export type KafkaHeaders = Record<string, string | Buffer | (string | Buffer)[] | undefined>;

export interface KafkaRecord {
  key: string | Buffer | null;
  value: Buffer | null;
  headers: KafkaHeaders;
}

/** One value per header: the last one wins when a header repeats (as later writers intend). */
export function lastHeaderValues(headers: KafkaHeaders | undefined): Record<string, string | Buffer> {
  const flat: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) flat[name] = last;
  }
  return flat;
}

export function encodeEvent(event: FlowlineEvent): { key: string; value: Buffer; headers: Record<string, string> } {
  const attributes: CloudEventV1<unknown> = { ...event, schemaversion: String(event.schemaversion) };
  const cloudEvent = new CloudEvent<unknown>(attributes, false);
  const message = Kafka.binary(cloudEvent);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name] = String(value);
  }
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
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(lastHeaderValues(record.headers))) headers[name] = value.toString();
  let cloudEvent: CloudEvent<unknown>;
  try {
    const message: KafkaMessage<Buffer | null> = { headers, key: record.key?.toString() ?? '', value: record.value, body: record.value };
    cloudEvent = Kafka.toEvent(message) as CloudEvent<unknown>;
  } catch (error) {
    throw new NotACloudEvent(`not a CloudEvent in binary mode: ${(error as Error).message}`);
  }
  const type = cloudEvent.type;
  // An event without the extension predates it (or comes from a plain CloudEvents producer): version 1.
  const writtenVersion = cloudEvent['schemaversion'] ?? '1';
  const version = parseSchemaVersion(writtenVersion);
  if (version === undefined) {
    throw new SchemaUnknown(`schema version ${JSON.stringify(writtenVersion)} of "${type}" is not a positive integer`);
  }
  const latest = upcastToLatest(registry, type, version, cloudEvent.data);
  const correlationid = stringAttribute(cloudEvent, 'correlationid') ?? cloudEvent.id;
  const causationid = stringAttribute(cloudEvent, 'causationid');
  const event = {
    id: cloudEvent.id,
    source: cloudEvent.source,
    type,
    specversion: '1.0',
    time: cloudEvent.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    correlationid,
    schemaversion: latest.version,
    partitionkey: stringAttribute(cloudEvent, 'partitionkey') ?? correlationid,
    data: latest.data,
    ...(cloudEvent.subject === undefined ? {} : { subject: cloudEvent.subject }),
    ...(causationid === undefined ? {} : { causationid }),
  };
  // upcastToLatest validated `data` against the latest schema of `type`, which it found in `registry`.
  return event as RegistryEvent<R>;
}

function stringAttribute(event: CloudEvent<unknown>, name: string): string | undefined {
  const value = event[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
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
