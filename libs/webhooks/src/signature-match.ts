/**
 * The comparison every scheme shares: HMAC-SHA256 over the exact bytes a sender signed,
 * compared with `crypto.timingSafeEqual`, so the time a wrong signature takes does not tell
 * an attacker how many of its bytes were right. Each configured secret is tried in turn
 * (rotation: the new and the old secret are both valid for a while).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Length of an HMAC-SHA256 digest in bytes. */
export const SHA256_BYTES = 32;

/** HMAC-SHA256 of the parts, concatenated as bytes (strings as UTF-8, buffers as they are). */
export function hmacSha256(key: Buffer, parts: readonly (string | Buffer)[]): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/**
 * The index of the first key under which one of `signatures` is the HMAC of `content`;
 * undefined when none is. A signature of the wrong length never matches (and is never
 * handed to timingSafeEqual, which throws on unequal lengths).
 */
export function matchingKey(
  keys: readonly Buffer[],
  signatures: readonly Buffer[],
  content: readonly (string | Buffer)[],
): number | undefined {
  if (keys.length === 0) throw new TypeError('no secret to verify with: configure at least one');
  for (const [index, key] of keys.entries()) {
    const expected = hmacSha256(key, content);
    for (const signature of signatures) {
      if (signature.length === expected.length && timingSafeEqual(signature, expected)) return index;
    }
  }
  return undefined;
}

/** A secret used as the HMAC key as it is written (GitHub, Stripe, generic HMAC). */
export function utf8Key(secret: string): Buffer {
  return Buffer.from(secret, 'utf8');
}

const HEX_DIGEST = /^[0-9a-f]{64}$/i;
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;
const BASE64URL_DIGEST = /^[A-Za-z0-9_-]{43}=?$/;

/** A hex SHA-256 digest as bytes; undefined when the text is not one. */
export function decodeHexDigest(text: string): Buffer | undefined {
  return HEX_DIGEST.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** A base64 (or base64url) SHA-256 digest as bytes; undefined when the text is not one. */
export function decodeBase64Digest(text: string): Buffer | undefined {
  if (BASE64_DIGEST.test(text)) return Buffer.from(text, 'base64');
  if (BASE64URL_DIGEST.test(text)) return Buffer.from(text, 'base64url');
  return undefined;
}
