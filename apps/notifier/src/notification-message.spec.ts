import { createEvent, type FlowlineEvent } from '@flowline/event-schemas';
import { NOTIFICATION_CONTENT_TYPE, notificationMessage } from './notification-message';

function invoiceProcessed(): FlowlineEvent<'invoice.processed'> {
  const received = createEvent(
    'invoice.received',
    {
      document: { location: 's3://invoices/a.pdf', mediaType: 'application/pdf', size: 1024, sha256: 'a'.repeat(64) },
      receivedVia: 'email',
    },
    { source: '/email-agent' },
  );
  return createEvent(
    'invoice.processed',
    {
      documentSha256: 'a'.repeat(64),
      fields: {
        invoiceNumber: 'INV-7',
        supplier: { name: 'Supplier GmbH' },
        currency: 'EUR',
        lines: [],
        total: { amountMinor: 133875, currency: 'EUR' },
      },
      validation: { valid: true, issues: [] },
      decision: 'approved',
    },
    { source: '/invoice-agent', causedBy: received, subject: 'INV-7', time: new Date('2024-05-01T10:20:30.456Z') },
  );
}

describe('notificationMessage', () => {
  it('routes by event type and sends a persistent message whose messageId is the event id', () => {
    const event = invoiceProcessed();
    const message = notificationMessage(event);
    expect(message.routingKey).toBe('invoice.processed');
    expect(message.options).toMatchObject({
      persistent: true,
      messageId: event.id,
      type: 'invoice.processed',
      correlationId: event.correlationid,
      contentType: NOTIFICATION_CONTENT_TYPE,
    });
  });

  it('carries the whole CloudEvent as structured JSON: attributes, extensions and data', () => {
    const event = invoiceProcessed();
    const body = JSON.parse(notificationMessage(event).content.toString('utf8')) as Record<string, unknown>;
    expect(body).toEqual({
      specversion: '1.0',
      id: event.id,
      source: '/invoice-agent',
      type: 'invoice.processed',
      time: '2024-05-01T10:20:30.456Z',
      datacontenttype: 'application/json',
      subject: 'INV-7',
      correlationid: event.correlationid,
      causationid: event.causationid,
      schemaversion: event.schemaversion,
      partitionkey: event.partitionkey,
      data: event.data,
    });
    // Caused by another event: the chain's ids differ from the event's own.
    expect(body['causationid']).not.toBe(event.id);
    expect(body['correlationid']).toBe(body['causationid']);
  });

  it('leaves out optional attributes the event does not have', () => {
    const event = createEvent('webhook.received', { source: 'sample', payload: {} }, { source: '/webhook-gateway' });
    const message = notificationMessage(event);
    const body = JSON.parse(message.content.toString('utf8')) as Record<string, unknown>;
    expect(body).not.toHaveProperty('subject');
    expect(body).not.toHaveProperty('causationid');
    expect(message.options.headers).not.toHaveProperty('ce-subject');
    expect(message.options.headers).not.toHaveProperty('ce-causationid');
  });

  it('repeats the attributes as ce- headers, as text', () => {
    const event = invoiceProcessed();
    expect(notificationMessage(event).options.headers).toEqual({
      'ce-specversion': '1.0',
      'ce-id': event.id,
      'ce-source': '/invoice-agent',
      'ce-type': 'invoice.processed',
      'ce-time': '2024-05-01T10:20:30.456Z',
      'ce-datacontenttype': 'application/json',
      'ce-subject': 'INV-7',
      'ce-correlationid': event.correlationid,
      'ce-causationid': event.causationid,
      'ce-schemaversion': String(event.schemaversion),
      'ce-partitionkey': event.partitionkey,
    });
  });

  it("stamps the message with the event's time in whole seconds (AMQP's timestamp unit)", () => {
    expect(notificationMessage(invoiceProcessed()).options.timestamp).toBe(Date.parse('2024-05-01T10:20:30Z') / 1_000);
  });

  it('gives a redelivered event the same message, so a receiver can drop it by messageId', () => {
    const event = invoiceProcessed();
    const first = notificationMessage(event);
    const again = notificationMessage(structuredClone(event));
    expect(again.options).toEqual(first.options);
    expect(again.content.equals(first.content)).toBe(true);
  });
});
