import { FlowlineError } from '@flowline/errors';

/**
 * Errors a consumer acts on: a message that can never be decoded goes to the dead-letter
 * topic at once, so none of them is retryable.
 */
export abstract class EventDecodingError extends FlowlineError {
  override readonly retryable = false;
}

export class NotACloudEvent extends EventDecodingError {
  readonly code = 'NOT_A_CLOUDEVENT';
}

export class SchemaUnknown extends EventDecodingError {
  readonly code = 'SCHEMA_UNKNOWN';
}

export class EventDataInvalid extends EventDecodingError {
  readonly code = 'EVENT_DATA_INVALID';
}
