/** Errors a claim-check caller acts on, each with its stable code. */
import { FlowlineError } from '@flowline/errors';

/** Not a claim-check reference, or one of another store: a bad input, never worth a retry. */
export class ClaimReferenceInvalid extends FlowlineError {
  readonly code = 'CLAIM_REFERENCE_INVALID';
}

/** No stored content under the reference (deleted, or another store's storage root). */
export class ClaimNotFound extends FlowlineError {
  readonly code = 'CLAIM_NOT_FOUND';
}

/** Stored content no longer hashes to its reference: the storage was changed behind the store's back. */
export class ClaimCorrupted extends FlowlineError {
  readonly code = 'CLAIM_CORRUPTED';
}

/**
 * `put` with an expected hash read content that hashes to something else (the source changed
 * since it was hashed). Nothing was stored; the caller reads the source again.
 */
export class ClaimContentMismatch extends FlowlineError {
  readonly code = 'CLAIM_CONTENT_MISMATCH';
  override readonly retryable = true;
}
