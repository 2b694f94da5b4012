/**
 * Errors callers of the event store act on, each with one stable code. A record the store
 * refuses is a bug upstream (Kafka never delivers such a record), so the archiver should
 * stop rather than skip it silently: none is retryable.
 */
import { FlowlineError } from '@flowline/errors';

export const EVENT_STORE_ERROR_CODES = ['INVALID_ARCHIVED_RECORD'] as const;
export type EventStoreErrorCode = (typeof EVENT_STORE_ERROR_CODES)[number];

export abstract class EventStoreError extends FlowlineError {
  abstract override readonly code: EventStoreErrorCode;
}

/** A record whose Kafka coordinates (partition, offset, timestamp) cannot be stored. */
export class InvalidArchivedRecord extends EventStoreError {
  readonly code = 'INVALID_ARCHIVED_RECORD';
  override readonly retryable = false;
}
