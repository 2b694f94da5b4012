import { MalformedWebhook, webhookToEvent } from './webhook-event';

const request = (overrides: Partial<Parameters<typeof webhookToEvent>[0]> = {}) => ({
  source: 'github',
  headers: {},
  contentType: 'application/json',
  body: Buffer.from('{"action":"opened"}'),
  ...overrides,
});

describe('webhookToEvent', () => {
  it('wraps the parsed payload in a webhook.received event from this source', () => {
    const event = webhookToEvent(request());
    expect(event).toMatchObject({
      type: 'webhook.received',
      source: '/webhook-gateway/github',
      data: { source: 'github', payload: { action: 'opened' } },
    });
  });

  it('gives a redelivered webhook (same delivery id) the same event id', () => {
    const first = webhookToEvent(request({ headers: { 'x-github-delivery': 'abc-1' } }));
    const again = webhookToEvent(request({ headers: { 'x-github-delivery': 'abc-1' } }));
    const other = webhookToEvent(request({ headers: { 'x-github-delivery': 'abc-2' } }));
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    expect(first.data.deliveryId).toBe('abc-1');
  });

  it('does not let two sources with the same delivery id collide', () => {
    const github = webhookToEvent(request({ headers: { 'webhook-id': 'same' } }));
    const stripe = webhookToEvent(request({ source: 'stripe', headers: { 'webhook-id': 'same' } }));
    expect(github.id).not.toBe(stripe.id);
  });

  it('rejects a JSON body that does not parse, and an empty one', () => {
    expect(() => webhookToEvent(request({ body: Buffer.from('{"broken":') }))).toThrow(MalformedWebhook);
    expect(() => webhookToEvent(request({ body: Buffer.alloc(0) }))).toThrow(/empty body/);
  });

  it('keeps a non-JSON body as text', () => {
    const event = webhookToEvent(request({ contentType: 'text/plain', body: Buffer.from('hello') }));
    expect(event.data.payload).toBe('hello');
  });
});
