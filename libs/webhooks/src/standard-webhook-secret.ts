/**
 * Standard Webhooks secrets: `whsec_` followed by the base64 of the key bytes (the spec
 * recommends 24 to 64 random bytes). The HMAC key is the decoded bytes, not the text.
 */
import { randomBytes } from 'node:crypto';
import { FlowlineError } from '@flowline/errors';

export const STANDARD_WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Thrown for a secret that is not `whsec_<base64>`: a configuration error, reported at start. */
export class StandardWebhookSecretInvalid extends FlowlineError {
  readonly code = 'WEBHOOK_SECRET_INVALID';
  override readonly retryable = false;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The key bytes of a `whsec_<base64>` secret (the prefix may be left out, as the reference library allows). */
export function standardWebhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(STANDARD_WEBHOOK_SECRET_PREFIX)
    ? secret.slice(STANDARD_WEBHOOK_SECRET_PREFIX.length)
    : secret;
  if (encoded === '' || !BASE64.test(encoded)) {
    // Never the secret itself in the message: it ends up in logs.
    throw new StandardWebhookSecretInvalid('a Standard Webhooks secret is whsec_ followed by base64 key bytes');
  }
  return Buffer.from(encoded, 'base64');
}

/** A new random secret (32 key bytes), for an outbound endpoint. */
export function generateStandardWebhookSecret(): string {
  return `${STANDARD_WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}
