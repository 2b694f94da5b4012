/**
 * Turns an accepted webhook request into its event. A JSON body becomes `webhook.received`
 * data (source, delivery id, content type, the parsed payload); any other body — a form post,
 * XML, text — travels as its exact bytes with its own content type (CloudEvents binary mode),
 * never decoded as text. A source may give its events a type of its own (`github.push` from
 * X-GitHub-Event, `stripe.invoice.paid` from the body's `type`), which names the
 * `webhook.received` schema in its `dataschema`.
 *
 * A redelivery (same source and delivery id) gets the same event id, so even when a
 * dedupe record is lost downstream sees the same event and drops the copy.
 */
import {
  createBinaryEvent,
  createEvent,
  EventDataInvalid,
  FlowlineEvent,
  stableEventId,
  withDerivedType,
} from '@flowline/event-schemas';
import { FlowlineError } from '@flowline/errors';
import { headerValue, type WebhookHeaders } from '@flowline/webhooks';
import type { DeliveryIdRule, EventTypeRule, WebhookSource } from './webhook-sources';

/** A request the gateway cannot turn into an event (answered 400): the detail says why. */
export class WebhookMalformed extends FlowlineError {
  readonly code = 'WEBHOOK_MALFORMED';
  override readonly retryable = false;
}

export interface WebhookRequest {
  headers: WebhookHeaders;
  contentType: string | undefined;
  body: Buffer;
}

/** Longer ids are refused: they are a primary key and a log field, not a document. */
const MAX_DELIVERY_ID_LENGTH = 256;

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

export function isJsonContentType(contentType: string | undefined): boolean {
  // No Content-Type at all: senders that omit it send JSON (the seed's behaviour, kept).
  return contentType === undefined || JSON_MEDIA_TYPE.test(contentType.trim());
}

/**
 * Deeper JSON is refused: parsing it is iterative, but every step after (schema checks,
 * JSON.stringify when the event is written, the router's rules) recurses, and 100k levels
 * (200 kB) overflow the stack. Real webhook payloads nest a dozen levels.
 */
export const MAX_JSON_DEPTH = 256;

/** JSON text is UTF-8 (RFC 8259 §8.1): invalid bytes are refused, not silently replaced by U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new WebhookMalformed('empty body: a JSON payload is required');
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new WebhookMalformed('body is not valid UTF-8: JSON must be sent as UTF-8');
  }
  if (jsonNestingExceeds(text, MAX_JSON_DEPTH)) {
    throw new WebhookMalformed(`body nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WebhookMalformed(`body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Whether JSON text opens more than `limit` arrays/objects at once (brackets inside strings do not count). */
export function jsonNestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // backslash: the next character is escaped
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > limit) return true;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return false;
}

/** The value at a dotted path of a parsed JSON body, as text when it is a string or number. */
export function jsonFieldText(payload: unknown, path: string): string | undefined {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The delivery id by the source's rule: a JSON field first (Stripe's event id), then the headers in order. */
export function deliveryIdOf(rule: DeliveryIdRule, headers: WebhookHeaders, payload: unknown): string | undefined {
  const fromBody = rule.jsonField === undefined ? undefined : jsonFieldText(payload, rule.jsonField);
  const id = fromBody ?? rule.headers.map((name) => headerValue(headers, name)).find((value) => value !== undefined);
  if (id !== undefined && (id.length > MAX_DELIVERY_ID_LENGTH || hasControlCharacter(id))) {
    throw new WebhookMalformed(`the delivery id must be at most ${MAX_DELIVERY_ID_LENGTH} printable characters`);
  }
  return id;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20 || text.charCodeAt(i) === 0x7f) return true;
  return false;
}

const TYPE_SEGMENTS = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** The event type by the source's rule; `webhook.received` unless the source derives one of its own. */
export function eventTypeOf(rule: EventTypeRule, headers: WebhookHeaders, payload: unknown, isJson: boolean): string {
  switch (rule.from) {
    case 'default':
      return 'webhook.received';
    case 'fixed':
      return rule.type;
    case 'header': {
      const value = headerValue(headers, rule.header);
      if (value === undefined) throw new WebhookMalformed(`the event type header ${rule.header} is missing`);
      return derivedName(rule.prefix, value, `the ${rule.header} header`);
    }
    case 'jsonField': {
      if (!isJson) throw new WebhookMalformed(`the event type is read from the JSON field ${rule.path}: send JSON`);
      const value = jsonFieldText(payload, rule.path);
      if (value === undefined) throw new WebhookMalformed(`the body has no event type in its field ${rule.path}`);
      return derivedName(rule.prefix, value, `the body's ${rule.path}`);
    }
  }
}

function derivedName(prefix: string, value: string, where: string): string {
  if (!TYPE_SEGMENTS.test(value)) {
    throw new WebhookMalformed(`${where} ("${value.slice(0, 64)}") is not an event name (letters, digits, _ - .)`);
  }
  return `${prefix}.${value}`;
}

export interface AcceptedWebhook {
  event: FlowlineEvent;
  deliveryId: string | undefined;
}

export function webhookToEvent(source: WebhookSource, request: WebhookRequest): AcceptedWebhook {
  const isJson = isJsonContentType(request.contentType);
  const payload = isJson ? parseJson(request.body) : undefined;
  const deliveryId = deliveryIdOf(source.deliveryId, request.headers, payload);
  const type = eventTypeOf(source.eventType, request.headers, payload, isJson);
  const options = {
    source: `/webhook-gateway/${source.name}`,
    ...(deliveryId === undefined ? {} : { id: stableEventId('webhook', source.name, deliveryId) }),
  };
  try {
    const event = isJson
      ? createEvent(
          'webhook.received',
          {
            source: source.name,
            payload,
            ...(deliveryId === undefined ? {} : { deliveryId }),
            ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
          },
          options,
        )
      : createBinaryEvent('webhook.received', request.body, request.contentType ?? 'application/octet-stream', options);
    // withDerivedType refuses another catalogue type's name (it would claim that type's schema).
    return { event: type === 'webhook.received' ? event : withDerivedType(event, type), deliveryId };
  } catch (error) {
    if (error instanceof EventDataInvalid) throw new WebhookMalformed(error.message, { cause: error });
    throw error;
  }
}
