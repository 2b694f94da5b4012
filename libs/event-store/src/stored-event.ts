/**
 * What a reader gets back for one stored record: its CloudEvent attributes, its Kafka
 * coordinates, its data, and, for a record on a dead-letter topic, why it got there and
 * whether an operator has redriven it.
 */
import { isDeadLetterTopic, readDeadLetterHeaders } from '@flowline/event-schemas';
import { CE_HEADERS } from './record-columns';

export interface DeadLetterInfo {
  reason: string;
  errorClass?: string;
  errorCode?: string;
  attempts?: number;
  originalTopic?: string;
  originalPartition?: number;
  originalOffset?: string;
  firstFailure?: Date;
  lastFailure?: Date;
  consumerGroup?: string;
  redrivenAt?: Date;
  redrivenTo?: string;
}

export interface StoredEvent {
  /** The CloudEvent id; null when the record had no `ce_id` (e.g. an undecodable dead letter). */
  id: string | null;
  type: string | null;
  source: string | null;
  subject: string | null;
  /** `ce_time`, to the millisecond. */
  time: Date | null;
  correlationid: string | null;
  causationid: string | null;
  schemaversion: number | null;
  topic: string;
  partition: number;
  offset: string;
  kafkaTimestamp: Date;
  key: string | null;
  /** Every header as the record carried it, except credentials (signatures, tokens, cookies, keys). */
  headers: Record<string, string>;
  /** The value parsed as JSON; null when the value was null or not JSON (then see `valueBase64`). */
  data: unknown;
  /** The value's bytes in base64 when it was not JSON; null otherwise. */
  valueBase64: string | null;
  /** The value's exact text when it was JSON (`data` is its meaning, re-serialised by PostgreSQL); null otherwise and for rows archived before it was kept. */
  valueText: string | null;
  archivedAt: Date;
  /** Set for a record on a dead-letter topic (`<topic>.dlq`). */
  deadLetter?: DeadLetterInfo;
}

/** The redrive marks' key for one record: `topic:partition:offset`. */
export function recordKey(record: { topic: string; partition: number; offset: string }): string {
  return `${record.topic}:${record.partition}:${record.offset}`;
}

export interface RedriveMark {
  redrivenAt: Date;
  redrivenTo: string;
}

/** The dead-letter headers as typed values (a missing or unreadable one is left out), with the redrive mark. */
export function deadLetterInfo(headers: Record<string, string>, redrive?: RedriveMark): DeadLetterInfo {
  const { reason, ...rest } = readDeadLetterHeaders(headers);
  return withoutUndefined({
    reason: reason ?? '(no reason recorded)',
    ...rest,
    redrivenAt: redrive?.redrivenAt,
    redrivenTo: redrive?.redrivenTo,
  });
}

/** Leaves optional fields out rather than present-but-undefined, so printed objects stay short. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** The columns every read selects, with the record's redrive mark (if any) joined in. */
export const STORED_EVENT_COLUMNS = `
  e.id, e.type, e.source, e.subject, e.time, e.correlationid, e.causationid, e.schemaversion,
  e.topic, e.partition, e."offset"::text AS "offset", e.kafka_timestamp, e.key, e.headers, e.data,
  e.value_base64, e.value_text, e.archived_at, r.redriven_at, r.redriven_to`;

export const EVENTS_WITH_REDRIVES = `event_store.events e
  LEFT JOIN event_store.redrives r ON r.topic = e.topic AND r.partition = e.partition AND r."offset" = e."offset"`;

export interface StoredEventRow {
  id: string | null;
  type: string | null;
  source: string | null;
  subject: string | null;
  time: Date | null;
  correlationid: string | null;
  causationid: string | null;
  schemaversion: number | null;
  topic: string;
  partition: number;
  offset: string;
  kafka_timestamp: Date;
  key: string | null;
  /** As stored: without the ce_* attributes its columns give back; null marks a header the record did not have. */
  headers: Record<string, string | null>;
  data: unknown;
  value_base64: string | null;
  value_text: string | null;
  archived_at: Date;
  redriven_at: Date | null;
  redriven_to: string | null;
}

/**
 * The record's headers as it carried them (less the secret ones): the stored headers plus the
 * ce_* attributes that were stored only as columns (record-columns.ts, `headersColumn`).
 * A header still in the stored headers wins: its column may not give its exact text back, and
 * rows written before the attributes were left out of `headers` hold them all there.
 */
export function headersWithAttributes(row: StoredEventRow): Record<string, string> {
  const headers: Record<string, string> = {};
  // A row written before the attributes were left out holds every header (ce_id among them,
  // which the current writer always leaves to its column): nothing to rebuild, and a column
  // derived from another (correlationid from the id) must not become a header it never had.
  if (row.id !== null && CE_HEADERS.id in row.headers) {
    for (const [name, value] of Object.entries(row.headers)) if (value !== null) headers[name] = value;
    return headers;
  }
  const rebuild = (name: string, value: string | null): void => {
    if (value !== null && !(name in row.headers)) headers[name] = value;
  };
  rebuild(CE_HEADERS.id, row.id);
  rebuild(CE_HEADERS.type, row.type);
  rebuild(CE_HEADERS.source, row.source);
  rebuild(CE_HEADERS.subject, row.subject);
  rebuild(CE_HEADERS.time, row.time === null ? null : row.time.toISOString());
  rebuild(CE_HEADERS.correlationid, row.correlationid);
  rebuild(CE_HEADERS.causationid, row.causationid);
  rebuild(CE_HEADERS.schemaversion, row.schemaversion === null ? null : String(row.schemaversion));
  for (const [name, value] of Object.entries(row.headers)) if (value !== null) headers[name] = value;
  return headers;
}

export function storedEventFromRow(row: StoredEventRow): StoredEvent {
  const headers = headersWithAttributes(row);
  const event: StoredEvent = {
    id: row.id,
    type: row.type,
    source: row.source,
    subject: row.subject,
    time: row.time,
    correlationid: row.correlationid,
    causationid: row.causationid,
    schemaversion: row.schemaversion,
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    kafkaTimestamp: row.kafka_timestamp,
    key: row.key,
    headers,
    data: row.data,
    valueBase64: row.value_base64,
    valueText: row.value_text,
    archivedAt: row.archived_at,
  };
  if (isDeadLetterTopic(row.topic)) {
    const redrive =
      row.redriven_at === null || row.redriven_to === null
        ? undefined
        : { redrivenAt: row.redriven_at, redrivenTo: row.redriven_to };
    event.deadLetter = deadLetterInfo(headers, redrive);
  }
  return event;
}
