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
