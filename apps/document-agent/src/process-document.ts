/**
 * What the document agent makes of a webhook payload, as a pure function: its text and a
 * detected kind. Uploaded files are read by file-document.ts.
 */
import { dataSchemaUri, type EventDataMap, type FlowlineEvent, type WebhookReceived } from '@flowline/event-schemas';

export type ProcessedDocument = EventDataMap['document.processed'];

export function detectKind(payload: unknown): string {
  if (typeof payload === 'string') return 'text';
  if (Array.isArray(payload)) return 'json-array';
  if (payload !== null && typeof payload === 'object') return 'json-object';
  return 'json-scalar';
}

/** Media types whose bytes are text a reader can take as they are. */
const TEXTUAL = /^(text\/|application\/([\w.+-]+\+)?(xml|json)\b|application\/x-www-form-urlencoded\b)/i;

/** A webhook's data: the JSON wrapper, or the exact bytes of a non-JSON body with their media type. */
function webhookDocument(event: FlowlineEvent): ProcessedDocument | undefined {
  const isWebhook = event.type === 'webhook.received' || event.dataschema === dataSchemaUri('webhook.received');
  if (!isWebhook) return undefined;
  const data = event.data as WebhookReceived | Buffer;
  if (Buffer.isBuffer(data)) {
    const textual = TEXTUAL.test(event.datacontenttype);
    const text = textual ? data.toString('utf8') : '';
    return {
      kind: textual ? 'text' : 'binary',
      text,
      metadata: { origin: event.source, mediaType: event.datacontenttype, bytes: data.length },
    };
  }
  const { payload, source } = data;
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    kind: detectKind(payload),
    text,
    metadata: { origin: source, characters: text.length },
  };
}

export function processDocument(event: FlowlineEvent): ProcessedDocument | undefined {
  return webhookDocument(event);
}
