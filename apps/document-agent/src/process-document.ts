/**
 * What the document agent makes of its input, as a pure function. This first version
 * handles webhook payloads (text and a detected kind); file documents (PDF, images) come
 * with the document-agent issue.
 */
import type { EventDataMap, FlowlineEvent } from '@flowline/event-schemas';

export type ProcessedDocument = EventDataMap['document.processed'];

export function detectKind(payload: unknown): string {
  if (typeof payload === 'string') return 'text';
  if (Array.isArray(payload)) return 'json-array';
  if (payload !== null && typeof payload === 'object') return 'json-object';
  return 'json-scalar';
}

export function processDocument(event: FlowlineEvent): ProcessedDocument | undefined {
  if (event.type !== 'webhook.received') return undefined;
  const { payload, source } = event.data;
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    kind: detectKind(payload),
    text,
    metadata: { origin: source, characters: text.length },
  };
}
