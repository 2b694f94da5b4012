/**
 * Why a webhook's signature was not accepted, as classes with a stable `code` that callers
 * act on (the gateway answers 401 for each and counts rejections by code). None is
 * retryable: the same request fails the same way until the sender signs it differently.
 * Messages name the header and what is wrong with it, never a secret or an expected digest.
 */
export const SIGNATURE_ERROR_CODES = [
  'SIGNATURE_MISSING',
  'SIGNATURE_MALFORMED',
  'SIGNATURE_INVALID',
  'TIMESTAMP_OUT_OF_TOLERANCE',
] as const;
export type SignatureErrorCode = (typeof SIGNATURE_ERROR_CODES)[number];

export abstract class WebhookSignatureError extends Error {
  abstract readonly code: SignatureErrorCode;
  readonly retryable = false;
}

/** A header the scheme requires is absent (or empty). */
export class SignatureMissing extends WebhookSignatureError {
  readonly code = 'SIGNATURE_MISSING';
  override readonly name = 'SignatureMissing';
}

/** A signature or timestamp header is present but not in the scheme's format. */
export class SignatureMalformed extends WebhookSignatureError {
  readonly code = 'SIGNATURE_MALFORMED';
  override readonly name = 'SignatureMalformed';
}

/** Well-formed, but no signature matches the body under any configured secret. */
export class SignatureInvalid extends WebhookSignatureError {
  readonly code = 'SIGNATURE_INVALID';
  override readonly name = 'SignatureInvalid';
}

/** The signature matches, but its timestamp is outside the accepted window (a replay, or a wrong clock). */
export class TimestampOutOfTolerance extends WebhookSignatureError {
  readonly code = 'TIMESTAMP_OUT_OF_TOLERANCE';
  override readonly name = 'TimestampOutOfTolerance';
}
