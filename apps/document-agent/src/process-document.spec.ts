import { createEvent } from '@flowline/event-schemas';
import { processDocument } from './process-document';

describe('processDocument', () => {
  it('extracts the text and kind of a JSON webhook payload', () => {
    const event = createEvent(
      'webhook.received',
      { source: 'sample', payload: { invoice: 42 } },
      { source: '/webhook-gateway/sample' },
    );
    expect(processDocument(event)).toEqual({
      kind: 'json-object',
      text: '{"invoice":42}',
      metadata: { origin: 'sample', characters: 14 },
    });
  });

  it('keeps a plain-text payload as it came', () => {
    const event = createEvent(
      'webhook.received',
      { source: 'mail', payload: 'hello' },
      { source: '/webhook-gateway/mail' },
    );
    expect(processDocument(event)).toMatchObject({ kind: 'text', text: 'hello' });
  });

  it('has nothing to do for an event that is not a document', () => {
    const event = createEvent(
      'document.processed',
      { kind: 'text', text: '', metadata: {} },
      { source: '/document-agent' },
    );
    expect(processDocument(event)).toBeUndefined();
  });
});
