/**
 * The headers a dead-letter record carries besides the original record's own: part of the
 * wire contract (operators and `flowline dlq` read them), so they live with the topics.
 */
export const DLQ_HEADERS = {
  reason: 'flowline-dlq-reason',
  errorClass: 'flowline-dlq-error-class',
  errorCode: 'flowline-dlq-error-code',
  stack: 'flowline-dlq-stack',
  attempts: 'flowline-dlq-attempts',
  originalTopic: 'flowline-dlq-original-topic',
  originalPartition: 'flowline-dlq-original-partition',
  originalOffset: 'flowline-dlq-original-offset',
  firstFailure: 'flowline-dlq-first-failure',
  lastFailure: 'flowline-dlq-last-failure',
  consumerGroup: 'flowline-dlq-consumer-group',
} as const;

export const DLQ_HEADER_DESCRIPTIONS: Record<keyof typeof DLQ_HEADERS, string> = {
  reason: 'The error message that sent the record here.',
  errorClass: 'The error class, e.g. NonRetryableError, SchemaUnknown, PoisonPill.',
  errorCode: 'The error’s stable code, e.g. NON_RETRYABLE, SCHEMA_UNKNOWN, POISON_PILL (UNKNOWN when it has none).',
  stack: 'The error’s stack trace (first 4,000 characters).',
  attempts: 'How many attempts were made (for a poison pill: how many handler starts crashed the process).',
  originalTopic: 'The topic the record was consumed from (redrive target).',
  originalPartition: 'Its partition there.',
  originalOffset: 'Its offset there.',
  firstFailure: 'ISO-8601 time of the first failed attempt.',
  lastFailure: 'ISO-8601 time of the last failed attempt.',
  consumerGroup: 'The consumer group that gave up.',
};

/** The dead-letter headers of a record, typed; a header that is missing or unreadable is left out. */
export interface DeadLetterHeaderValues {
  reason?: string;
  errorClass?: string;
  errorCode?: string;
  attempts?: number;
  originalTopic?: string;
  originalPartition?: number;
  originalOffset?: string;
  firstFailure?: Date;
  lastFailure?: Date;
  consumerGroup?: string;
}

/** Reads the `flowline-dlq-*` headers back (the event store and `flowline dlq` both do). */
export function readDeadLetterHeaders(headers: Readonly<Record<string, string>>): DeadLetterHeaderValues {
  const values: DeadLetterHeaderValues = {};
  const text = (
    key: 'reason' | 'errorClass' | 'errorCode' | 'originalTopic' | 'originalOffset' | 'consumerGroup',
  ): void => {
    const value = headers[DLQ_HEADERS[key]];
    if (value !== undefined) values[key] = value;
  };
  const integer = (key: 'attempts' | 'originalPartition'): void => {
    const value = headers[DLQ_HEADERS[key]];
    if (value !== undefined && /^\d+$/.test(value)) values[key] = Number(value);
  };
  const date = (key: 'firstFailure' | 'lastFailure'): void => {
    const value = headers[DLQ_HEADERS[key]];
    const parsed = value === undefined ? undefined : new Date(value);
    if (parsed !== undefined && !Number.isNaN(parsed.getTime())) values[key] = parsed;
  };
  text('reason');
  text('errorClass');
  text('errorCode');
  integer('attempts');
  text('originalTopic');
  integer('originalPartition');
  text('originalOffset');
  date('firstFailure');
  date('lastFailure');
  text('consumerGroup');
  return values;
}
