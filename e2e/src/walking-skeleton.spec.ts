/**
 * The walking skeleton over the real broker: a webhook accepted by the gateway travels
 * ingress.webhook → router → agent.document → document-agent → events.domain, as three
 * separate service processes.
 */
import { topicNames } from '@flowline/event-schemas';
import { testInfra, TopicProbe, uniqueTopicPrefix } from '@flowline/testing';
import { ServiceProcess, spawnService, terminate, waitUntilReady } from './service-process';

describe('walking skeleton: webhook → router → document-agent', () => {
  const prefix = uniqueTopicPrefix('skeleton');
  const topics = topicNames(prefix);
  let services: ServiceProcess[] = [];
  let probe: TopicProbe | undefined;

  beforeAll(async () => {
    const { KAFKA_BROKERS } = testInfra();
    const env = { KAFKA_BROKERS, FLOWLINE_TOPIC_PREFIX: prefix, LOG_LEVEL: 'info' };
    services = await Promise.all(['webhook-gateway', 'router', 'document-agent'].map((app) => spawnService(app, env)));
    await Promise.all(services.map((service) => waitUntilReady(service)));
    probe = await TopicProbe.start(KAFKA_BROKERS, [
      topics.ingressWebhook,
      topics.agent('document'),
      topics.domainEvents,
    ]);
  });

  afterAll(async () => {
    await probe?.stop();
    await Promise.all(services.map((service) => terminate(service)));
  });

  it('turns one accepted webhook into document.processed with the chain ids set', async () => {
    const gateway = services[0] as ServiceProcess;
    const response = await fetch(gateway.url('/webhooks/sample'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': `delivery-${prefix}` },
      body: JSON.stringify({ invoice: 'INV-1', amount_cents: 1250 }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };

    // 202 means Kafka already has it: the event is on ingress.webhook in binary mode.
    const ingress = await probe!.waitFor((m) => m.topic === topics.ingressWebhook && m.event?.id === id);
    expect(ingress.headers['ce_specversion']).toBe('1.0');
    expect(ingress.headers['content-type']).toBe('application/json');
    expect(ingress.event).toMatchObject({
      type: 'webhook.received',
      source: '/webhook-gateway/sample',
      correlationid: id,
    });

    const routed = await probe!.waitFor((m) => m.topic === topics.agent('document') && m.event?.id === id);
    expect(routed.event?.type).toBe('webhook.received');

    const processed = await probe!.waitFor((m) => m.topic === topics.domainEvents && m.event?.correlationid === id);
    expect(processed.event).toMatchObject({
      type: 'document.processed',
      source: '/document-agent',
      correlationid: id,
      causationid: id,
      data: { kind: 'json-object', text: '{"invoice":"INV-1","amount_cents":1250}' },
    });
    expect(processed.key).toBe(ingress.key);
  });

  it('gives a redelivered webhook the same event id', async () => {
    const gateway = services[0] as ServiceProcess;
    const send = () =>
      fetch(gateway.url('/webhooks/sample'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-delivery': `redelivery-${prefix}` },
        body: '{"n":1}',
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string } }));
    const first = await send();
    const again = await send();
    expect(first.status).toBe(202);
    expect(again).toEqual(first);
  });

  it('answers 404 for an unknown source, 400 for a malformed body, 413 for an oversized one, 405 for another method', async () => {
    const gateway = services[0] as ServiceProcess;
    const post = (source: string, body: string) =>
      fetch(gateway.url(`/webhooks/${source}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const unknown = await post('nobody', '{}');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      status: 404,
      error: 'SOURCE_UNKNOWN',
      detail: 'unknown webhook source "nobody"',
    });
    const malformed = await post('sample', '{"half":');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { detail: string }).detail).toMatch(/not valid JSON/);
    const oversized = await post('sample', JSON.stringify({ blob: 'x'.repeat(1_100_000) }));
    expect(oversized.status).toBe(413);
    const fetched = await fetch(gateway.url('/webhooks/sample'));
    expect([fetched.status, fetched.headers.get('allow')]).toEqual([405, 'POST']);
    expect(await fetched.json()).toEqual({
      status: 405,
      error: 'METHOD_NOT_ALLOWED',
      detail: 'GET is not allowed here: webhooks are sent with POST',
    });
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const exits = await Promise.all(services.map((service) => terminate(service)));
    expect(exits).toEqual([0, 0, 0]);
    expect(services.map((service) => service.output()).join('\n')).toContain('"msg":"stopped"');
  });
});
