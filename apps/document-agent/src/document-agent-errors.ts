/**
 * Errors the document agent throws for the consumer runtime (and operators) to act on: one
 * stable code per class, and whether trying again may help. The documents' own failures
 * (encrypted, unreadable, unsupported, too large) are libs/documents' classes and the claim
 * store's (not found, corrupted) libs/claim-check's: all non-retryable, so the consumer
 * dead-letters the event at once with the code and the message as the reason. A failure of
 * the store itself (PostgreSQL down, a read error) is ClaimStoreUnavailable, retried.
 */
import { FlowlineError } from '@flowline/errors';

/** The bytes read are not the ones the event describes (its sha256 or size): the event or the store is wrong. */
export class DocumentChecksumMismatch extends FlowlineError {
  readonly code = 'DOCUMENT_CHECKSUM_MISMATCH';
  override readonly retryable = false;
}

/**
 * The event's location is no claim-check reference this agent can open: a path or URL in an
 * event would let a sender make the agent read any file it can reach.
 */
export class DocumentLocationUnsupported extends FlowlineError {
  readonly code = 'DOCUMENT_LOCATION_UNSUPPORTED';
  override readonly retryable = false;
}

/**
 * The claim-check store failed to answer (PostgreSQL down, a connection refused, a read
 * error on the shared folder): the file may well be there, so the consumer retries.
 */
export class ClaimStoreUnavailable extends FlowlineError {
  readonly code = 'CLAIM_STORE_UNAVAILABLE';
  override readonly retryable = true;
}
