/**
 * `webhook.received`: a webhook whose signature the gateway verified. A JSON body is wrapped
 * in this data; any other body travels as its exact bytes with its own media type (binary
 * data). A source may give its events a type of their own (`github.push`,
 * `stripe.invoice.paid`): such an event names this schema in its `dataschema`.
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
