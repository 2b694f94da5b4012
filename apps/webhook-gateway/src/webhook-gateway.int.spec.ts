import { topicNames } from '@flowline/event-schemas';
import { startServiceUnderTest, ServiceUnderTest } from '@flowline/testing';
import { webhookGateway } from './service';

describe('webhook-gateway (in process, real broker)', () => {
  let running: ServiceUnderTest;

  beforeAll(async () => {
    running = await startServiceUnderTest(webhookGateway, {
      env: { WEBHOOK_SOURCES: 'sample' },
      outputs: (prefix) => [topicNames(prefix).ingressWebhook],
    });
  });
  afterAll(() => running?.stop());

  it('answers 202 with the id of the event it already wrote to ingress.webhook', async () => {
    const response = await fetch(running.url('/webhooks/sample'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order: 42 }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const written = await running.probe!.waitFor((m) => m.event?.id === id);
    expect(written.event).toMatchObject({
      type: 'webhook.received',
      source: '/webhook-gateway/sample',
      data: { payload: { order: 42 } },
    });
  });

  it('answers 404 for a source it does not know, and writes nothing', async () => {
    const response = await fetch(running.url('/webhooks/nobody'), { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(running.probe!.messages.filter((m) => m.event?.source === '/webhook-gateway/nobody')).toEqual([]);
  });
});
