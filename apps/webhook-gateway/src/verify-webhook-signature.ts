/**
 * Checks a request's signature by its source's scheme (libs/webhooks does the cryptography).
 * Throws a WebhookSignatureError (answered 401) when it does not hold.
 */
import {
  verifyGithubSignature,
  verifyHmacSha256,
  verifyStandardWebhook,
  verifyStripeSignature,
  type WebhookHeaders,
} from '@flowline/webhooks';
import type { WebhookSource } from './webhook-sources';

export interface SignatureCheck {
  /** Which configured secret matched (undefined for an unsigned source): shows when an old one is unused. */
  secretIndex: number | undefined;
}

export function verifyWebhookSignature(
  source: WebhookSource,
  body: Buffer,
  headers: WebhookHeaders,
  now: Date = new Date(),
): SignatureCheck {
  const secrets = source.secrets;
  const window = { toleranceSeconds: source.toleranceSeconds, now };
  switch (source.scheme.name) {
    case 'none':
      return { secretIndex: undefined };
    case 'github':
      return verifyGithubSignature(body, headers, { secrets });
    case 'stripe':
      return verifyStripeSignature(body, headers, { secrets, ...window });
    case 'standard-webhooks':
      return verifyStandardWebhook(body, headers, { secrets, ...window });
    case 'hmac-sha256': {
      const { header, prefix, encoding } = source.scheme;
      return verifyHmacSha256(body, headers, { secrets, header, prefix, encoding });
    }
  }
}
