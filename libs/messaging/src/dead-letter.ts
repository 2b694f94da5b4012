import type { IHeaders } from 'kafkajs';
import { DLQ_HEADERS, lastHeaderValues } from '@flowline/event-schemas';
import { isSecretHeader, maskSecretsInText, REDACTED } from '@flowline/telemetry';

export { DLQ_HEADERS };

/**
 * A dead-letter record keeps the original message (key, value, headers) and adds why and
 * where it failed, so an operator can read the cause and redrive it to the original topic
 * with its CloudEvent id unchanged. Secrets are not kept: a dead-letter topic is read by more
 * people and tools than the topic it came from, and kept longer. A credential or signature
 * header of the original record (a third-party producer's Authorization, a bridged webhook's
 * X-Hub-Signature-256) is `[redacted]`, and URL passwords and secret query parameters are
 * masked in the other headers and in the reason and stack.
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
/** A reason quoting a hostile header (a 1 MB ce_time) must not make the dead letter too large for Kafka. Masked before it is cut, so no password is cut in half and kept. */
const MAX_REASON_CHARS = 2_000;

/** The original record's headers, secrets redacted, with the dead-letter headers added. */
export function deadLetterRecordHeaders(
  original: IHeaders | undefined,
  failure: FailureRecord,
): Record<string, string | Buffer> {
  const headers: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(lastHeaderValues(original))) headers[name] = keptHeader(name, value);
  return Object.assign(headers, deadLetterHeaders(failure));
}

/** A header as the dead letter keeps it: byte for byte unless it holds a secret. */
function keptHeader(name: string, value: string | Buffer): string | Buffer {
  if (isSecretHeader(name)) return REDACTED;
  const text = typeof value === 'string' ? value : value.toString('utf8');
  const masked = maskSecretsInText(text);
  return masked === text ? value : masked;
}

export function deadLetterHeaders(failure: FailureRecord): Record<string, string> {
  const error = failure.error instanceof Error ? failure.error : new Error(String(failure.error));
  const code = (error as { code?: unknown }).code;
  return {
    [DLQ_HEADERS.reason]: maskSecretsInText(error.message).slice(0, MAX_REASON_CHARS),
    [DLQ_HEADERS.errorClass]: error.name,
    [DLQ_HEADERS.errorCode]: typeof code === 'string' ? code : 'UNKNOWN',
    [DLQ_HEADERS.stack]: maskSecretsInText(error.stack ?? '').slice(0, MAX_STACK_BYTES),
    [DLQ_HEADERS.attempts]: String(failure.attempts),
    [DLQ_HEADERS.originalTopic]: failure.topic,
    [DLQ_HEADERS.originalPartition]: String(failure.partition),
    [DLQ_HEADERS.originalOffset]: failure.offset,
    [DLQ_HEADERS.firstFailure]: failure.firstFailure.toISOString(),
    [DLQ_HEADERS.lastFailure]: failure.lastFailure.toISOString(),
    [DLQ_HEADERS.consumerGroup]: failure.consumerGroup,
  };
}
