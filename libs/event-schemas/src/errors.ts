/** Errors a consumer acts on: a message that can never be decoded goes to the dead-letter topic. */
export abstract class EventDecodingError extends Error {
  abstract readonly code: string;
  readonly retryable = false;
}

export class NotACloudEvent extends EventDecodingError {
  readonly code = 'NOT_A_CLOUDEVENT';
  override readonly name = 'NotACloudEvent';
}

export class SchemaUnknown extends EventDecodingError {
  readonly code = 'SCHEMA_UNKNOWN';
  override readonly name = 'SchemaUnknown';
}

export class EventDataInvalid extends EventDecodingError {
  readonly code = 'EVENT_DATA_INVALID';
  override readonly name = 'EventDataInvalid';
}
