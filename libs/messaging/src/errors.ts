/**
 * Errors a handler throws to tell the consumer runtime what to do. The runtime decides
 * retry vs dead-letter from the class (and `retryable`), never from the message text.
 * Unknown errors are retried, but only up to the policy's attempts: never forever.
 */
export const MESSAGING_ERROR_CODES = [
  'RETRYABLE',
  'NON_RETRYABLE',
  'POISON_PILL',
  'PUBLISH_TIMEOUT',
  'UNKNOWN_TOPIC',
  'BROKER_UNAVAILABLE',
] as const;
export type MessagingErrorCode = (typeof MESSAGING_ERROR_CODES)[number];

export abstract class MessagingError extends Error {
  abstract readonly code: MessagingErrorCode;
  abstract readonly retryable: boolean;
}

/** A transient failure (a dependency timed out): retry with backoff. */
export class RetryableError extends MessagingError {
  readonly code = 'RETRYABLE';
  readonly retryable = true;
  override readonly name = 'RetryableError';
}

/** A failure no retry can fix (bad data, a rule violation): dead-letter at once. */
export class NonRetryableError extends MessagingError {
  readonly code = 'NON_RETRYABLE';
  readonly retryable = false;
  override readonly name = 'NonRetryableError';
}

/** Handling this message crashed the process repeatedly; it is set aside so the partition can move on. */
export class PoisonPill extends MessagingError {
  readonly code = 'POISON_PILL';
  readonly retryable = false;
  override readonly name = 'PoisonPill';
}

/** The broker did not acknowledge a publish in time. */
export class PublishTimeout extends MessagingError {
  readonly code = 'PUBLISH_TIMEOUT';
  readonly retryable = true;
  override readonly name = 'PublishTimeout';
}

/** Topics an operation named do not exist on the cluster. */
export class UnknownTopicError extends MessagingError {
  readonly code = 'UNKNOWN_TOPIC';
  readonly retryable = false;
  override readonly name = 'UnknownTopicError';
  constructor(readonly topics: readonly string[]) {
    super(`unknown topic${topics.length === 1 ? '' : 's'}: ${topics.map((topic) => `"${topic}"`).join(', ')}`);
  }
}

/** No broker answered (wrong address, Kafka down); the message names the brokers tried. */
export class BrokerUnavailable extends MessagingError {
  readonly code = 'BROKER_UNAVAILABLE';
  readonly retryable = true;
  override readonly name = 'BrokerUnavailable';
}

/** Whether an error may be retried: its own `retryable` flag when it has one, else yes (bounded by attempts). */
export function isRetryable(error: unknown): boolean {
  const flag = (error as { retryable?: unknown } | null)?.retryable;
  return typeof flag === 'boolean' ? flag : true;
}
