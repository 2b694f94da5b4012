/** Errors of the subscription store, each with one stable code. */
import { FlowlineError } from '@flowline/errors';

/** A subscription that cannot be stored as given (a URL, an event type, a secret): the operator's input. */
export class SubscriptionInvalid extends FlowlineError {
  readonly code = 'SUBSCRIPTION_INVALID';
  override readonly retryable = false;
}

/** No subscription with this id. */
export class SubscriptionNotFound extends FlowlineError {
  readonly code = 'SUBSCRIPTION_NOT_FOUND';
  override readonly retryable = false;

  constructor(readonly id: string) {
    super(`no subscription "${id}"`);
  }
}
