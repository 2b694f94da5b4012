/**
 * The generic scheme many senders use: one header holding the HMAC-SHA256 of the raw body
 * under a shared secret, hex or base64, optionally after a fixed prefix (`sha256=`). Like
 * GitHub's, it signs no timestamp, so it has no replay window: configure a delivery id for
 * such a source so a replay is at least deduplicated.
 */
import { SignatureInvalid, SignatureMalformed, SignatureMissing } from './signature-errors';
import { decodeBase64Digest, decodeHexDigest, matchingKey, utf8Key } from './signature-match';
import type { VerifiedSignature, VerifyOptions } from './verify-options';
import { headerValue, WebhookHeaders } from './webhook-headers';

export interface HmacSha256Options extends VerifyOptions {
  /** The header that carries the signature, e.g. `X-Signature`. */
  header: string;
  /** Text before the digest, e.g. `sha256=` (default none). */
  prefix?: string;
  encoding: 'hex' | 'base64';
}

export function verifyHmacSha256(body: Buffer, headers: WebhookHeaders, options: HmacSha256Options): VerifiedSignature {
  const header = headerValue(headers, options.header);
  if (header === undefined) throw new SignatureMissing(`${options.header} is missing`);
  const prefix = options.prefix ?? '';
  const digest = header.startsWith(prefix) ? header.slice(prefix.length) : undefined;
  const signature =
    digest === undefined
      ? undefined
      : options.encoding === 'hex'
        ? decodeHexDigest(digest)
        : decodeBase64Digest(digest);
  if (signature === undefined) {
    throw new SignatureMalformed(
      `${options.header} must be ${prefix}<the ${options.encoding} HMAC-SHA256 of the body>`,
    );
  }
  const secretIndex = matchingKey(options.secrets.map(utf8Key), [signature], [body]);
  if (secretIndex === undefined) {
    throw new SignatureInvalid(`${options.header} does not match the body under any configured secret`);
  }
  return { secretIndex };
}
