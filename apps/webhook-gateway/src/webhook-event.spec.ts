import { encodeEvent } from '@flowline/event-schemas';
import { testSource } from './test-fixtures/test-sources';
import { webhookToEvent, WebhookMalformed, type WebhookRequest } from './webhook-event';

const sample = testSource({ name: 'sample', scheme: 'none', allowUnsigned: true });
const github = testSource(
  {
    name: 'github',
    scheme: 'github',
    secrets: [{ env: 'SECRET' }],
    eventType: { header: 'X-GitHub-Event' },
  },
  { SECRET: 's' },
);
const stripe = testSource(
  {
    name: 'stripe',
    scheme: 'stripe',
    secrets: [{ env: 'SECRET' }],
    eventType: { jsonField: 'type' },
  },
  { SECRET: 'whsec_s' },
);

const request = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  headers: {},
  contentType: 'application/json',
  body: Buffer.from('{"action":"opened"}'),
  ...overrides,
});

describe('webhookToEvent', () => {
  it('wraps a JSON payload in a webhook.received event from its source', () => {
    const { event } = webhookToEvent(sample, request());
    expect(event).toMatchObject({
      type: 'webhook.received',
      source: '/webhook-gateway/sample',
      datacontenttype: 'application/json',
      data: { source: 'sample', payload: { action: 'opened' }, contentType: 'application/json' },
    });
  });

  it('gives a redelivered webhook (same delivery id) the same event id, and another delivery another', () => {
    const first = webhookToEvent(sample, request({ headers: { 'x-github-delivery': 'abc-1' } }));
    const again = webhookToEvent(sample, request({ headers: { 'x-github-delivery': 'abc-1' } }));
    const other = webhookToEvent(sample, request({ headers: { 'x-github-delivery': 'abc-2' } }));
    expect(again.event.id).toBe(first.event.id);
    expect(other.event.id).not.toBe(first.event.id);
    expect([first.deliveryId, first.event.data]).toEqual(['abc-1', expect.objectContaining({ deliveryId: 'abc-1' })]);
  });

  it('does not let two sources with the same delivery id collide', () => {
    const headers = { 'x-github-event': 'push', 'x-github-delivery': 'same' };
    const fromGithub = webhookToEvent(github, request({ headers }));
    const fromSample = webhookToEvent(sample, request({ headers }));
    expect(fromGithub.event.id).not.toBe(fromSample.event.id);
  });

  it('refuses a JSON body that does not parse, and an empty one', () => {
    expect(() => webhookToEvent(sample, request({ body: Buffer.from('{"broken":') }))).toThrow(WebhookMalformed);
    expect(() => webhookToEvent(sample, request({ body: Buffer.alloc(0) }))).toThrow(/empty body/);
  });

  it('carries a body that is not JSON as its exact bytes with its content type, never as text', () => {
    const notUtf8 = Buffer.from([0x3c, 0x78, 0x3e, 0xfc, 0xff, 0x00, 0x3c, 0x2f, 0x78, 0x3e]);
    const { event } = webhookToEvent(
      sample,
      request({ contentType: 'application/xml; charset=latin1', body: notUtf8 }),
    );
    expect(event.type).toBe('webhook.received');
    expect(event.datacontenttype).toBe('application/xml; charset=latin1');
    expect(event.data).toEqual(notUtf8);
    const record = encodeEvent(event);
    expect(Buffer.compare(record.value, notUtf8)).toBe(0);
    expect(record.headers['content-type']).toBe('application/xml; charset=latin1');
  });

  it("names a GitHub event by its X-GitHub-Event header, keeping webhook.received's schema", () => {
    const { event } = webhookToEvent(github, request({ headers: { 'x-github-event': 'push' } }));
    expect(event).toMatchObject({
      type: 'github.push',
      dataschema: 'urn:flowline:schema:webhook.received',
      data: { source: 'github' },
    });
  });

  it("names a Stripe event by its body's type and takes the event's id as the delivery id", () => {
    const body = Buffer.from('{"id":"evt_1NG8Du2eZvKYlo2C","type":"invoice.paid","data":{}}');
    const first = webhookToEvent(stripe, request({ body }));
    const again = webhookToEvent(stripe, request({ body }));
    expect([first.event.type, first.deliveryId]).toEqual(['stripe.invoice.paid', 'evt_1NG8Du2eZvKYlo2C']);
    expect(again.event.id).toBe(first.event.id);
  });

  it('gives a fixed type when the source names one', () => {
    const fixed = testSource({ name: 'shop', scheme: 'none', allowUnsigned: true, eventType: { fixed: 'shop.order' } });
    expect(webhookToEvent(fixed, request()).event.type).toBe('shop.order');
  });

  it('refuses a request whose event type is missing or not an event name', () => {
    expect(() => webhookToEvent(github, request())).toThrow(/header X-GitHub-Event is missing/);
    expect(() => webhookToEvent(github, request({ headers: { 'x-github-event': 'push now!' } }))).toThrow(
      WebhookMalformed,
    );
    expect(() => webhookToEvent(stripe, request({ body: Buffer.from('{"id":"evt_1"}') }))).toThrow(/no event type/);
    expect(() => webhookToEvent(stripe, request({ contentType: 'text/plain', body: Buffer.from('x') }))).toThrow(
      /send JSON/,
    );
  });

  it('refuses a delivery id too long to be a key', () => {
    expect(() => webhookToEvent(sample, request({ headers: { 'webhook-id': 'x'.repeat(257) } }))).toThrow(
      WebhookMalformed,
    );
  });
});
