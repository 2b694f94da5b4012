/**
 * Errors a handler throws to tell the consumer runtime what to do. The runtime decides
 * retry vs dead-letter from the class (and `retryable`), never from the message text.
 * Unknown errors are retried, but only up to the policy's attempts: never forever.
 * All are FlowlineErrors (libs/errors): a stable code, a retry flag, the cause kept.
 */
import { FlowlineError, isDependencyUnavailable } from '@flowline/errors';

export { isDependencyUnavailable, isRetryable } from '@flowline/errors';

/** kafkajs's errors for a broker it cannot reach or that has not taken its groups back yet. */
const BROKER_GONE_ERRORS = new Set([
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
]);

/** Whether a crash says the broker went away (kafkajs's error names, or a refused socket among the causes). */
export function isBrokerGone(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    if (BROKER_GONE_ERRORS.has(current.name)) return true;
    current = current.cause;
  }
  return isDependencyUnavailable(error);
}

export const MESSAGING_ERROR_CODES = [
  'RETRYABLE',
  'NON_RETRYABLE',
  'POISON_PILL',
  'PUBLISH_TIMEOUT',
  'UNKNOWN_TOPIC',
  'BROKER_UNAVAILABLE',
  'DEPENDENCY_UNAVAILABLE',
] as const;
export type MessagingErrorCode = (typeof MESSAGING_ERROR_CODES)[number];

export abstract class MessagingError extends FlowlineError {
  abstract override readonly code: MessagingErrorCode;
}

/** A transient failure (a dependency timed out): retry with backoff. */
export class RetryableError extends MessagingError {
  readonly code = 'RETRYABLE';
  override readonly retryable = true;
}

/**
 * A dependency is not there (a server down, a connection not yet back): retried without
 * spending the event's attempts until it is back (isDependencyUnavailable). For a handler that
 * knows its client is disconnected and has no socket error to show for it.
 */
export class DependencyUnavailable extends MessagingError {
  readonly code = 'DEPENDENCY_UNAVAILABLE';
  override readonly retryable = true;
}

/** A failure no retry can fix (bad data, a rule violation): dead-letter at once. */
export class NonRetryableError extends MessagingError {
  readonly code = 'NON_RETRYABLE';
  override readonly retryable = false;
}

/** Handling this message crashed the process repeatedly; it is set aside so the partition can move on. */
export class PoisonPill extends MessagingError {
  readonly code = 'POISON_PILL';
  override readonly retryable = false;
}

/** The broker did not acknowledge a publish in time. */
export class PublishTimeout extends MessagingError {
  readonly code = 'PUBLISH_TIMEOUT';
  override readonly retryable = true;
}

/** Topics an operation named do not exist on the cluster. */
export class UnknownTopicError extends MessagingError {
  readonly code = 'UNKNOWN_TOPIC';
  override readonly retryable = false;
  constructor(readonly topics: readonly string[]) {
    super(`unknown topic${topics.length === 1 ? '' : 's'}: ${topics.map((topic) => `"${topic}"`).join(', ')}`);
  }
}

/** No broker answered (wrong address, Kafka down); the message names the brokers tried. */
export class BrokerUnavailable extends MessagingError {
  readonly code = 'BROKER_UNAVAILABLE';
  override readonly retryable = true;
}
