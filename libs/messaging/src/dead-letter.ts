import { DLQ_HEADERS } from '@flowline/event-schemas';

export { DLQ_HEADERS };

/**
 * A dead-letter record keeps the original message (key, value, headers) and adds why and
 * where it failed, so an operator can read the cause and redrive it to the original topic
 * with its CloudEvent id unchanged.
 */

export interface FailureRecord {
  error: unknown;
  attempts: number;
  topic: string;
  partition: number;
  offset: string;
  consumerGroup: string;
  firstFailure: Date;
  lastFailure: Date;
}

const MAX_STACK_BYTES = 4_000;

export function deadLetterHeaders(failure: FailureRecord): Record<string, string> {
  const error = failure.error instanceof Error ? failure.error : new Error(String(failure.error));
  const code = (error as { code?: unknown }).code;
  return {
    [DLQ_HEADERS.reason]: error.message,
    [DLQ_HEADERS.errorClass]: error.name,
    [DLQ_HEADERS.errorCode]: typeof code === 'string' ? code : 'UNKNOWN',
    [DLQ_HEADERS.stack]: (error.stack ?? '').slice(0, MAX_STACK_BYTES),
    [DLQ_HEADERS.attempts]: String(failure.attempts),
    [DLQ_HEADERS.originalTopic]: failure.topic,
    [DLQ_HEADERS.originalPartition]: String(failure.partition),
    [DLQ_HEADERS.originalOffset]: failure.offset,
    [DLQ_HEADERS.firstFailure]: failure.firstFailure.toISOString(),
    [DLQ_HEADERS.lastFailure]: failure.lastFailure.toISOString(),
    [DLQ_HEADERS.consumerGroup]: failure.consumerGroup,
  };
}
