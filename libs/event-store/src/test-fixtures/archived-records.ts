/**
 * Kafka records as the archiver receives them: CloudEvents in binary mode (ce_* headers,
 * JSON value) and dead letters that repeat an original record with the DLQ headers.
 */
import { DLQ_HEADERS } from '@flowline/event-schemas';
import type { ArchivedRecord } from '../record-columns';

export interface EventRecordOptions {
  topic: string;
  offset: number | string;
  id: string;
  type: string;
  time: Date;
  correlationid: string;
  causationid?: string;
  partition?: number;
  /** Defaults to `time` plus 5 ms (the broker stores it a little later). */
  timestamp?: Date;
  source?: string;
  data?: unknown;
  headers?: Record<string, string>;
}

export function eventRecord(options: EventRecordOptions): ArchivedRecord {
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: options.id,
    ce_type: options.type,
    ce_source: options.source ?? '/test',
    ce_time: options.time.toISOString(),
    ce_correlationid: options.correlationid,
    ce_schemaversion: '1',
    'content-type': 'application/json',
    ...(options.causationid === undefined ? {} : { ce_causationid: options.causationid }),
    ...options.headers,
  };
  return {
    topic: options.topic,
    partition: options.partition ?? 0,
    offset: String(options.offset),
    timestamp: options.timestamp ?? new Date(options.time.getTime() + 5),
    key: Buffer.from(options.correlationid),
    value: Buffer.from(JSON.stringify(options.data ?? { n: options.offset })),
    headers,
  };
}

export interface DeadLetterOptions {
  offset: number | string;
  reason: string;
  errorClass?: string;
  attempts?: number;
  /** Defaults to the original's timestamp plus 1 s. */
  timestamp?: Date;
}

/** The record as the messaging runtime dead-letters it: same bytes and ce_* headers, on `<topic>.dlq`. */
export function deadLetterOf(original: ArchivedRecord, options: DeadLetterOptions): ArchivedRecord {
  const timestamp = options.timestamp ?? new Date(original.timestamp.getTime() + 1_000);
  return {
    ...original,
    topic: `${original.topic}.dlq`,
    offset: String(options.offset),
    timestamp,
    headers: {
      ...original.headers,
      [DLQ_HEADERS.reason]: options.reason,
      [DLQ_HEADERS.errorClass]: options.errorClass ?? 'NonRetryableError',
      [DLQ_HEADERS.errorCode]: 'NON_RETRYABLE',
      [DLQ_HEADERS.attempts]: String(options.attempts ?? 1),
      [DLQ_HEADERS.originalTopic]: original.topic,
      [DLQ_HEADERS.originalPartition]: String(original.partition),
      [DLQ_HEADERS.originalOffset]: original.offset,
      [DLQ_HEADERS.firstFailure]: original.timestamp.toISOString(),
      [DLQ_HEADERS.lastFailure]: timestamp.toISOString(),
      [DLQ_HEADERS.consumerGroup]: 'test-group',
    },
  };
}
