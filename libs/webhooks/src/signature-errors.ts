/**
 * Why a webhook's signature was not accepted, as classes with a stable `code` that callers
 * act on (the gateway answers 401 for each and counts rejections by code). None is
 * retryable: the same request fails the same way until the sender signs it differently.
 * Messages name the header and what is wrong with it, never a secret or an expected digest.
 */
import { FlowlineError } from '@flowline/errors';

export const SIGNATURE_ERROR_CODES = [
  'SIGNATURE_MISSING',
  'SIGNATURE_MALFORMED',
  'SIGNATURE_INVALID',
  'TIMESTAMP_OUT_OF_TOLERANCE',
] as const;
export type SignatureErrorCode = (typeof SIGNATURE_ERROR_CODES)[number];

export abstract class WebhookSignatureError extends FlowlineError {
  abstract override readonly code: SignatureErrorCode;
  override readonly retryable = false;
}

/** A header the scheme requires is absent (or empty). */
export class SignatureMissing extends WebhookSignatureError {
  readonly code = 'SIGNATURE_MISSING';
}

/** A signature or timestamp header is present but not in the scheme's format. */
export class SignatureMalformed extends WebhookSignatureError {
  readonly code = 'SIGNATURE_MALFORMED';
}

/** Well-formed, but no signature matches the body under any configured secret. */
export class SignatureInvalid extends WebhookSignatureError {
  readonly code = 'SIGNATURE_INVALID';
}

/** The signature matches, but its timestamp is outside the accepted window (a replay, or a wrong clock). */
export class TimestampOutOfTolerance extends WebhookSignatureError {
  readonly code = 'TIMESTAMP_OUT_OF_TOLERANCE';
}
