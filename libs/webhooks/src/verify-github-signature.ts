/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body under the
 * webhook's secret (docs.github.com, "Validating webhook deliveries"). The scheme has no
 * timestamp, so it has no replay window: a redelivery is recognised by X-GitHub-Delivery
 * instead. The legacy SHA-1 `X-Hub-Signature` is not accepted.
 */
import { SignatureInvalid, SignatureMalformed, SignatureMissing } from './signature-errors';
import { decodeHexDigest, matchingKey, utf8Key } from './signature-match';
import type { VerifiedSignature, VerifyOptions } from './verify-options';
import { headerValue, WebhookHeaders } from './webhook-headers';

export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';

export function verifyGithubSignature(
  body: Buffer,
  headers: WebhookHeaders,
  options: VerifyOptions,
): VerifiedSignature {
  const header = headerValue(headers, GITHUB_SIGNATURE_HEADER);
  if (header === undefined) throw new SignatureMissing('X-Hub-Signature-256 is missing');
  const signature = header.startsWith('sha256=') ? decodeHexDigest(header.slice('sha256='.length)) : undefined;
  if (signature === undefined) throw new SignatureMalformed('X-Hub-Signature-256 must be sha256=<64 hex digits>');
  const secretIndex = matchingKey(options.secrets.map(utf8Key), [signature], [body]);
  if (secretIndex === undefined) {
    throw new SignatureInvalid('X-Hub-Signature-256 does not match the body under any configured secret');
  }
  return { secretIndex };
}
