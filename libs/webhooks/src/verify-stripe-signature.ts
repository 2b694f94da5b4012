/**
 * Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each v1 the
 * HMAC-SHA256 of `<t>.<raw body>` under the endpoint's signing secret, used as written
 * (`whsec_…` included) (docs.stripe.com, "Verify webhook signatures manually"). Several v1
 * entries appear while Stripe rolls an endpoint's secret; v0 (test-mode legacy) entries are
 * ignored. The timestamp must lie within the tolerance, in the past or the future.
 */
import { SignatureInvalid, SignatureMalformed, SignatureMissing } from './signature-errors';
import { decodeHexDigest, matchingKey, utf8Key } from './signature-match';
import { checkTimestampWindow, parseUnixSeconds } from './timestamp-window';
import type { TimestampedVerifyOptions, VerifiedTimestampedSignature } from './verify-options';
import { headerValue, WebhookHeaders } from './webhook-headers';

export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

interface StripeSignatureHeader {
  timestampText: string;
  signatures: Buffer[];
}

function parseStripeHeader(header: string): StripeSignatureHeader {
  let timestampText: string | undefined;
  const signatures: Buffer[] = [];
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    if (at <= 0) throw new SignatureMalformed('Stripe-Signature must be a list of key=value items (t=…,v1=…)');
    const key = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (key === 't') {
      if (timestampText !== undefined) throw new SignatureMalformed('Stripe-Signature has more than one t=');
      timestampText = value;
    } else if (key === 'v1') {
      const signature = decodeHexDigest(value);
      if (signature === undefined) throw new SignatureMalformed('a v1 in Stripe-Signature is not 64 hex digits');
      signatures.push(signature);
    }
  }
  if (timestampText === undefined) throw new SignatureMalformed('Stripe-Signature has no timestamp (t=)');
  if (signatures.length === 0) throw new SignatureMalformed('Stripe-Signature has no v1 signature');
  return { timestampText, signatures };
}

export function verifyStripeSignature(
  body: Buffer,
  headers: WebhookHeaders,
  options: TimestampedVerifyOptions,
): VerifiedTimestampedSignature {
  const header = headerValue(headers, STRIPE_SIGNATURE_HEADER);
  if (header === undefined) throw new SignatureMissing('Stripe-Signature is missing');
  const { timestampText, signatures } = parseStripeHeader(header);
  const seconds = parseUnixSeconds(timestampText, 'the t= of Stripe-Signature');
  // The timestamp is only a claim until the signature over it checks out: verify first.
  const secretIndex = matchingKey(options.secrets.map(utf8Key), signatures, [`${timestampText}.`, body]);
  if (secretIndex === undefined) {
    throw new SignatureInvalid('no v1 in Stripe-Signature matches the body under any configured secret');
  }
  return { secretIndex, timestamp: checkTimestampWindow(seconds, options) };
}
