/**
 * Reading a dead-letter record, and turning it back into the record it was. A dead letter
 * is the original record byte for byte (key, value, headers, so the same CloudEvent id)
 * plus `flowline-dlq-*` headers; a redrive sends the original again, without those.
 */
import { guardedTopicOf, readDeadLetterHeaders } from '@flowline/event-schemas';
import type { ConsumedRecord, OutgoingRecord, RedriveMark } from './ports';

const DEAD_LETTER_HEADER_PREFIX = 'flowline-dlq-';

export interface DeadLetterView {
  topic: string;
  partition: number;
  offset: string;
  timestamp: Date;
  id: string | null;
  type: string | null;
  correlationid: string | null;
  reason: string | null;
  errorClass: string | null;
  errorCode: string | null;
  attempts: number | null;
  /** Where a redrive sends it: the original-topic header, else the guarded topic. */
  originalTopic: string;
  originalPartition: number | null;
  originalOffset: string | null;
  firstFailure: Date | null;
  lastFailure: Date | null;
  consumerGroup: string | null;
}

/** A dead letter as `dlq list` shows it: with its redrive mark from the event store. */
export interface ListedDeadLetter extends DeadLetterView {
  redriven: RedriveMark | null;
}

export function readDeadLetter(record: ConsumedRecord): DeadLetterView {
  const header = (name: string): string | null => record.headers[name] ?? null;
  const dlq = readDeadLetterHeaders(record.headers);
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    id: header('ce_id'),
    type: header('ce_type'),
    correlationid: header('ce_correlationid') ?? header('ce_id'),
    reason: dlq.reason ?? null,
    errorClass: dlq.errorClass ?? null,
    errorCode: dlq.errorCode ?? null,
    attempts: dlq.attempts ?? null,
    originalTopic: dlq.originalTopic ?? guardedTopicOf(record.topic),
    originalPartition: dlq.originalPartition ?? null,
    originalOffset: dlq.originalOffset ?? null,
    firstFailure: dlq.firstFailure ?? null,
    lastFailure: dlq.lastFailure ?? null,
    consumerGroup: dlq.consumerGroup ?? null,
  };
}

/** The headers as the original record carried them: every `flowline-dlq-*` header removed. */
export function withoutDeadLetterHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith(DEAD_LETTER_HEADER_PREFIX)),
  );
}

/** The record to publish so the original is delivered again: same key, value and (non-DLQ) headers. */
export function originalRecordOf(record: ConsumedRecord): OutgoingRecord {
  return { key: record.key, value: record.value, headers: withoutDeadLetterHeaders(record.headers) };
}
