/**
 * Errors the email agent throws for the consumer runtime (and operators) to act on: one
 * stable code per class, and whether trying again may help. A message that cannot be read
 * as an email never will be, so it goes to `agent.email.dlq` at once with the reason.
 */
import { FlowlineError } from '@flowline/errors';

/** The input is not a readable email: not MIME, no header block, no From address, a form without one. */
export class EmailMalformed extends FlowlineError {
  readonly code = 'EMAIL_MALFORMED';
  override readonly retryable = false;
}

/** The input's content type is none an inbound-mail source emits (raw MIME, a provider's form, JSON fields). */
export class EmailContentUnsupported extends FlowlineError {
  readonly code = 'EMAIL_CONTENT_UNSUPPORTED';
  override readonly retryable = false;
}

/** The classification model could not be asked (network, timeout, 5xx, 429): may work on a later try. */
export class ModelUnavailable extends FlowlineError {
  readonly code = 'MODEL_UNAVAILABLE';
  override readonly retryable = true;
}

/** The classification model answered something that is not a verdict in the expected shape. */
export class ModelAnswerInvalid extends FlowlineError {
  readonly code = 'MODEL_ANSWER_INVALID';
  override readonly retryable = false;
}
