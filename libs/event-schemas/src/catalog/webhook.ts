/**
 * `webhook.received`: a webhook whose signature the gateway verified. Provider-specific types
 * (`github.push`, `stripe.invoice.paid`) are not catalogue entries yet: the gateway emits this
 * one type and routing rules match on `source` and the payload.
 */
import { z } from 'zod';

export const webhookReceivedV1 = z
  .object({
    source: z.string().min(1).meta({ description: 'the configured webhook source, e.g. github' }),
    deliveryId: z.string().min(1).optional().meta({ description: "the provider's delivery id; a redelivery keeps it" }),
    contentType: z.string().optional().meta({ description: 'Content-Type of the request' }),
    payload: z.unknown().meta({ description: 'the request body: parsed JSON, or the text of a non-JSON body' }),
  })
  .meta({ description: 'A verified webhook (webhook-gateway).' });
