import { createBinaryEvent, createEvent, withDerivedType } from '@flowline/event-schemas';
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

  it('reads the text of a non-JSON body carried as bytes, and only describes an opaque one', () => {
    const xml = createBinaryEvent('webhook.received', Buffer.from('<order id="7"/>'), 'application/xml', {
      source: '/webhook-gateway/erp',
    });
    expect(processDocument(xml)).toEqual({
      kind: 'text',
      text: '<order id="7"/>',
      metadata: { origin: '/webhook-gateway/erp', mediaType: 'application/xml', bytes: 15 },
    });
    const pdf = createBinaryEvent('webhook.received', Buffer.from('%PDF-1.7'), 'application/pdf', { source: '/x' });
    expect(processDocument(pdf)).toMatchObject({ kind: 'binary', text: '' });
  });

  it('handles a webhook of a source-derived type (github.push) like any webhook', () => {
    const push = withDerivedType(
      createEvent(
        'webhook.received',
        { source: 'github', payload: { ref: 'main' } },
        { source: '/webhook-gateway/github' },
      ),
      'github.push',
    );
    expect(processDocument(push)).toMatchObject({ kind: 'json-object', text: '{"ref":"main"}' });
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
