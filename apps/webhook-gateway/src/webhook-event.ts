/**
 * Turns an accepted webhook request into a `webhook.received` event. A redelivered webhook
 * (same source and delivery id) gets the same event id, so downstream deduplication by
 * CloudEvent id sees it as the same event.
 */
import { createEvent, FlowlineEvent, stableEventId } from '@flowline/event-schemas';

/** Headers that carry a provider's delivery id, in order of preference. */
const DELIVERY_ID_HEADERS = ['webhook-id', 'x-github-delivery', 'x-delivery-id', 'idempotency-key'] as const;

export class MalformedWebhook extends Error {
  readonly code = 'WEBHOOK_MALFORMED';
  override readonly name = 'MalformedWebhook';
}

export interface WebhookRequest {
  source: string;
  headers: Record<string, string | string[] | undefined>;
  contentType: string | undefined;
  body: Buffer;
}

export function deliveryIdOf(headers: WebhookRequest['headers']): string | undefined {
  for (const name of DELIVERY_ID_HEADERS) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first.trim() !== '') return first.trim();
  }
  return undefined;
}

function parsePayload(request: WebhookRequest): unknown {
  const isJson = request.contentType === undefined || /\bjson\b/i.test(request.contentType);
  if (!isJson) return request.body.toString('utf8');
  if (request.body.length === 0) throw new MalformedWebhook('empty body: a JSON payload is required');
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch (error) {
    throw new MalformedWebhook(`body is not valid JSON: ${(error as Error).message}`);
  }
}

export function webhookToEvent(request: WebhookRequest): FlowlineEvent<'webhook.received'> {
  const payload = parsePayload(request);
  const deliveryId = deliveryIdOf(request.headers);
  return createEvent(
    'webhook.received',
    {
      source: request.source,
      payload,
      ...(deliveryId === undefined ? {} : { deliveryId }),
      ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
    },
    {
      source: `/webhook-gateway/${request.source}`,
      ...(deliveryId === undefined ? {} : { id: stableEventId('webhook', request.source, deliveryId) }),
    },
  );
}
