export {
  SIGNATURE_ERROR_CODES,
  SignatureInvalid,
  SignatureMalformed,
  SignatureMissing,
  TimestampOutOfTolerance,
  WebhookSignatureError,
} from './signature-errors';
export type { SignatureErrorCode } from './signature-errors';
export { headerValue } from './webhook-headers';
export type { WebhookHeaders } from './webhook-headers';
export { DEFAULT_TOLERANCE_SECONDS } from './timestamp-window';
export type { TimestampOptions } from './timestamp-window';
export type {
  TimestampedVerifyOptions,
  VerifiedSignature,
  VerifiedTimestampedSignature,
  VerifyOptions,
} from './verify-options';
export { GITHUB_SIGNATURE_HEADER, verifyGithubSignature } from './verify-github-signature';
export { STRIPE_SIGNATURE_HEADER, verifyStripeSignature } from './verify-stripe-signature';
export { STANDARD_WEBHOOK_HEADERS, verifyStandardWebhook } from './verify-standard-webhook';
export type { VerifiedStandardWebhook } from './verify-standard-webhook';
export { verifyHmacSha256 } from './verify-hmac-sha256';
export type { HmacSha256Options } from './verify-hmac-sha256';
export { signStandardWebhook } from './sign-standard-webhook';
export type { StandardWebhookHeaders, StandardWebhookSignature } from './sign-standard-webhook';
export {
  generateStandardWebhookSecret,
  STANDARD_WEBHOOK_SECRET_PREFIX,
  standardWebhookKey,
  StandardWebhookSecretInvalid,
} from './standard-webhook-secret';
