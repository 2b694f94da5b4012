/**
 * Standard Webhooks (standardwebhooks.com, spec v1): `webhook-id`, `webhook-timestamp` (Unix
 * seconds) and `webhook-signature`, a space-separated list of `v1,<base64>`, each the
 * HMAC-SHA256 of `<id>.<timestamp>.<raw body>` under the secret's key bytes. Several
 * signatures appear while a sender rotates its secret; other versions (`v1a`, asymmetric)
 * are skipped. Svix, the scheme's origin, sends the same as `svix-id`/`-timestamp`/
 * `-signature`, accepted when the `webhook-` headers are absent.
 *
 * The reference library (`standardwebhooks` on npm) turns a Buffer body into a UTF-8 string
 * before signing, which replaces bytes that are not UTF-8; this verifier signs the bytes as
 * received, as the spec says.
 */
import { SignatureInvalid, SignatureMalformed, SignatureMissing } from './signature-errors';
import { decodeBase64Digest, matchingKey } from './signature-match';
import { standardWebhookKey } from './standard-webhook-secret';
import { checkTimestampWindow, parseUnixSeconds } from './timestamp-window';
import type { TimestampedVerifyOptions, VerifiedTimestampedSignature } from './verify-options';
import { headerValue, WebhookHeaders } from './webhook-headers';

export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

const SVIX_HEADERS = { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' } as const;

export interface VerifiedStandardWebhook extends VerifiedTimestampedSignature {
  /** The message id (`webhook-id`): the same on every redelivery of one message. */
  id: string;
}

function parseSignatures(header: string): Buffer[] {
  const signatures: Buffer[] = [];
  for (const entry of header.split(' ')) {
    if (entry === '') continue;
    const comma = entry.indexOf(',');
    if (comma <= 0) throw new SignatureMalformed('webhook-signature entries are <version>,<signature>');
    if (entry.slice(0, comma) !== 'v1') continue;
    const signature = decodeBase64Digest(entry.slice(comma + 1));
    if (signature === undefined) throw new SignatureMalformed('a v1 in webhook-signature is not a base64 SHA-256');
    signatures.push(signature);
  }
  if (signatures.length === 0) throw new SignatureMalformed('webhook-signature has no v1 signature');
  return signatures;
}

export function verifyStandardWebhook(
  body: Buffer,
  headers: WebhookHeaders,
  options: TimestampedVerifyOptions,
): VerifiedStandardWebhook {
  const names =
    headerValue(headers, STANDARD_WEBHOOK_HEADERS.signature) === undefined &&
    headerValue(headers, SVIX_HEADERS.signature) !== undefined
      ? SVIX_HEADERS
      : STANDARD_WEBHOOK_HEADERS;
  const id = headerValue(headers, names.id);
  const timestampText = headerValue(headers, names.timestamp);
  const signatureHeader = headerValue(headers, names.signature);
  const missing = [
    id === undefined ? names.id : undefined,
    timestampText === undefined ? names.timestamp : undefined,
    signatureHeader === undefined ? names.signature : undefined,
  ].filter((name) => name !== undefined);
  if (id === undefined || timestampText === undefined || signatureHeader === undefined) {
    throw new SignatureMissing(`${missing.join(', ')} missing`);
  }
  const seconds = parseUnixSeconds(timestampText, names.timestamp);
  const signatures = parseSignatures(signatureHeader);
  // The timestamp is only a claim until the signature over it checks out: verify first.
  const secretIndex = matchingKey(options.secrets.map(standardWebhookKey), signatures, [
    `${id}.${timestampText}.`,
    body,
  ]);
  if (secretIndex === undefined) {
    throw new SignatureInvalid(`no v1 in ${names.signature} matches the body under any configured secret`);
  }
  return { id, secretIndex, timestamp: checkTimestampWindow(seconds, options) };
}
