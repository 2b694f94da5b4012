/**
 * Signs an outbound webhook as Standard Webhooks senders do (the notifier's outbound
 * deliveries): the three headers for one message. Several secrets give one signature each,
 * so the receiver accepts it with either while a rotation is under way.
 */
import { hmacSha256 } from './signature-match';
import { standardWebhookKey } from './standard-webhook-secret';
import { STANDARD_WEBHOOK_HEADERS } from './verify-standard-webhook';

export interface StandardWebhookSignature {
  /** The message id: keep it for every retry of the same message, so the receiver can deduplicate. */
  id: string;
  timestamp: Date;
  /** `whsec_<base64>` secrets; one signature per secret. */
  secrets: readonly string[];
}

export type StandardWebhookHeaders = Record<
  (typeof STANDARD_WEBHOOK_HEADERS)[keyof typeof STANDARD_WEBHOOK_HEADERS],
  string
>;

export function signStandardWebhook(body: Buffer | string, signing: StandardWebhookSignature): StandardWebhookHeaders {
  if (signing.secrets.length === 0) throw new TypeError('no secret to sign with');
  // The id is a header value and part of the signed content.
  if (!/^\S+$/.test(signing.id)) throw new TypeError('a webhook id is non-empty and has no whitespace');
  const timestamp = String(Math.floor(signing.timestamp.getTime() / 1000));
  const signatures = signing.secrets.map(
    (secret) =>
      `v1,${hmacSha256(standardWebhookKey(secret), [`${signing.id}.${timestamp}.`, body]).toString('base64')}`,
  );
  return {
    [STANDARD_WEBHOOK_HEADERS.id]: signing.id,
    [STANDARD_WEBHOOK_HEADERS.timestamp]: timestamp,
    [STANDARD_WEBHOOK_HEADERS.signature]: signatures.join(' '),
  };
}
