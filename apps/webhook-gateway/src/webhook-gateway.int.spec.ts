import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { topicNames } from '@flowline/event-schemas';
import {
  createScratchDatabase,
  ScratchDatabase,
  startServiceUnderTest,
  ServiceUnderTest,
  testInfra,
} from '@flowline/testing';
import { metricValue, writeGatewayConfig } from './test-fixtures/gateway-config';
import { webhookGateway } from './service';

const GITHUB_SECRET = 'github-secret-under-test';
const STRIPE_SECRET = 'whsec_stripe_secret_under_test';
const BILLING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('webhook-gateway (in process, real broker and database)', () => {
  let database: ScratchDatabase;
  let running: ServiceUnderTest;

  beforeAll(async () => {
    database = await createScratchDatabase(testInfra().DATABASE_URL, 'gateway');
    const configFile = await writeGatewayConfig(
      { github: GITHUB_SECRET, stripe: STRIPE_SECRET, billing: BILLING_SECRET },
      (secretFile) => [
        { name: 'sample', scheme: 'none', allowUnsigned: true },
        { name: 'github', scheme: 'github', secrets: [secretFile('github')], eventType: { header: 'X-GitHub-Event' } },
        { name: 'stripe', scheme: 'stripe', secrets: [secretFile('stripe')], eventType: { jsonField: 'type' } },
        { name: 'billing', scheme: 'standard-webhooks', secrets: [secretFile('billing')] },
        { name: 'limited', scheme: 'none', allowUnsigned: true, rateLimit: { perMinute: 1, burst: 2 } },
        { name: 'small', scheme: 'none', allowUnsigned: true, maxBodyBytes: 1024 },
        { name: 'inbound-mail', kind: 'email', scheme: 'none', allowUnsigned: true },
      ],
    );
    running = await startServiceUnderTest(webhookGateway, {
      env: { FLOWLINE_CONFIG_FILE: configFile, DATABASE_URL: database.url },
      outputs: (prefix) => [topicNames(prefix).ingressWebhook],
    });
  });
  afterAll(async () => {
    await running?.stop();
    await database?.drop();
  });

  const post = (source: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(running.url(`/webhooks/${source}`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const written = (id: string) => running.probe!.waitFor((m) => m.event?.id === id);
  const metrics = async () => (await fetch(running.url('/metrics'))).text();

  it('answers 202 with the id of the event it already wrote to ingress.webhook', async () => {
    const response = await post('sample', JSON.stringify({ order: 42 }));
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect((await written(id)).event).toMatchObject({
      type: 'webhook.received',
      source: '/webhook-gateway/sample',
      data: { payload: { order: 42 } },
    });
  });

  it('answers 404 with a problem document for a source it does not know, and writes nothing', async () => {
    const response = await post('nobody', '{}');
    expect([response.status, response.headers.get('content-type')]).toEqual([
      404,
      'application/problem+json; charset=utf-8',
    ]);
    expect(await response.json()).toEqual({
      status: 404,
      error: 'SOURCE_UNKNOWN',
      detail: 'unknown webhook source "nobody"',
    });
    expect(running.probe!.messages.filter((m) => m.event?.source === '/webhook-gateway/nobody')).toEqual([]);
  });

  it('accepts a GitHub delivery signed over its bytes as github.push, and refuses a wrong or missing signature with 401', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const signature = `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`;
    const headers = { 'x-github-event': 'push', 'x-github-delivery': `d-${running.prefix}` };
    const response = await post('github', body, { ...headers, 'x-hub-signature-256': signature });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect((await written(id)).event).toMatchObject({
      type: 'github.push',
      dataschema: 'urn:flowline:schema:webhook.received',
      data: { source: 'github', deliveryId: `d-${running.prefix}` },
    });

    const forged = await post('github', body, { ...headers, 'x-hub-signature-256': signature.replace(/.$/, '0') });
    const tampered = await post('github', `${body} `, { ...headers, 'x-hub-signature-256': signature });
    const unsigned = await post('github', body, headers);
    expect(
      await Promise.all(
        [forged, tampered, unsigned].map(async (r) => [r.status, ((await r.json()) as { error: string }).error]),
      ),
    ).toEqual([
      [401, 'SIGNATURE_INVALID'],
      [401, 'SIGNATURE_INVALID'],
      [401, 'SIGNATURE_MISSING'],
    ]);
  });

  it("accepts Stripe's signed event as stripe.invoice.paid and refuses a stale timestamp", async () => {
    const stripe = new Stripe('sk_test_unused');
    const body = JSON.stringify({ id: `evt_${running.prefix}`, type: 'invoice.paid', data: { object: {} } });
    const fresh = stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET });
    const response = await post('stripe', body, { 'stripe-signature': fresh });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect((await written(id)).event?.type).toBe('stripe.invoice.paid');

    const stale = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: STRIPE_SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    const refused = await post('stripe', body, { 'stripe-signature': stale });
    expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([
      401,
      'TIMESTAMP_OUT_OF_TOLERANCE',
    ]);
  });

  it('answers a redelivery (same webhook-id) with the same event id and publishes it once', async () => {
    const body = JSON.stringify({ invoice: 'INV-7' });
    const messageId = `msg_${running.prefix.replace(/[^a-z0-9]/gi, '')}`;
    const send = () =>
      post('billing', body, {
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': new Webhook(BILLING_SECRET).sign(messageId, new Date(), body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string } }));
    const producedBefore = metricValue(await metrics(), 'flowline_events_produced_total', { type: 'webhook.received' });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(202);
    expect(again).toEqual(first);
    await written(first.body.id);
    const text = await metrics();
    expect(metricValue(text, 'flowline_webhooks_deduplicated_total', { source: 'billing' })).toBe(1);
    expect(metricValue(text, 'flowline_webhooks_accepted_total', { source: 'billing' })).toBe(1);
    expect(metricValue(text, 'flowline_events_produced_total', { type: 'webhook.received' })).toBe(producedBefore + 1);
  });

  it('answers 429 with Retry-After once a source is over its rate', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await post('limited', '{}'));
    expect(statuses.map((r) => r.status)).toEqual([202, 202, 429]);
    const limited = statuses[2]!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: string }).error).toBe('RATE_LIMITED');
    expect(metricValue(await metrics(), 'flowline_webhooks_rate_limited_total', { source: 'limited' })).toBe(1);
  });

  it('answers 413 to a chunked body over the limit before the sender has finished sending it', async () => {
    // No Content-Length: the limit is enforced on the bytes as they stream in. The request is
    // never ended, so a 413 can only come from the gateway refusing it part-way.
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(running.url('/webhooks/small'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      request.write(Buffer.alloc(800, 0x20));
      request.write(Buffer.alloc(800, 0x20));
    });
    const { status, body } = await answered;
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ error: 'BODY_TOO_LARGE' });
  });

  it('answers 400 to a body that is not JSON although it says so', async () => {
    const response = await post('sample', '{"half":');
    expect([response.status, ((await response.json()) as { detail: string }).detail]).toEqual([
      400,
      expect.stringMatching(/not valid JSON/),
    ]);
  });

  it('carries a form post as its exact bytes with its content type', async () => {
    const form = Buffer.concat([Buffer.from('name=J'), Buffer.from([0xfc]), Buffer.from('rgen&city=K%C3%B6ln')]);
    const response = await post('sample', form, { 'content-type': 'application/x-www-form-urlencoded' });
    const { id } = (await response.json()) as { id: string };
    const { event } = await written(id);
    expect(event?.datacontenttype).toBe('application/x-www-form-urlencoded');
    expect(Buffer.compare(event?.data as Buffer, form)).toBe(0);
  });

  it('turns a raw MIME message posted to an email source into email.incoming', async () => {
    const message = Buffer.from(
      `From: ana@example.com\r\nTo: ap@acme.test\r\nSubject: Invoice\r\nMessage-ID: <${running.prefix}@example.com>\r\n\r\nHello\r\n`,
    );
    const response = await post('inbound-mail', message, { 'content-type': 'message/rfc822' });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const { event } = await written(id);
    expect([event?.type, event?.datacontenttype]).toEqual(['email.incoming', 'message/rfc822']);
    expect(Buffer.compare(event?.data as Buffer, message)).toBe(0);
  });

  it('counts accepted and rejected webhooks per source in /metrics', async () => {
    const text = await metrics();
    expect(metricValue(text, 'flowline_webhooks_accepted_total', { source: 'github', type: 'github.push' })).toBe(1);
    expect(
      metricValue(text, 'flowline_webhooks_rejected_total', { source: 'github', reason: 'SIGNATURE_INVALID' }),
    ).toBe(2);
    expect(
      metricValue(text, 'flowline_webhooks_rejected_total', { source: '(unknown)', reason: 'SOURCE_UNKNOWN' }),
    ).toBe(1);
    expect(text).toMatch(/flowline_webhook_request_duration_seconds_bucket\{[^}]*source="github"/);
  });
});
