import { createEvent, topicNames } from '@flowline/event-schemas';
import { startServiceUnderTest, ServiceUnderTest } from '@flowline/testing';
import { router } from './service';

describe('router (in process, real broker)', () => {
  let running: ServiceUnderTest;
  const outputs = (prefix: string) => {
    const topics = topicNames(prefix);
    return [topics.agent('document'), topics.unrouted];
  };

  beforeAll(async () => {
    running = await startServiceUnderTest(router, { outputs });
  });
  afterAll(() => running?.stop());

  it('forwards a received webhook unchanged to the document agent, keeping its id and key', async () => {
    const topics = topicNames(running.prefix);
    const event = createEvent('webhook.received', { source: 'sample', payload: { n: 1 } }, { source: '/test' });
    await running.publish(topics.ingressWebhook, event);
    const forwarded = await running.probe!.waitFor((m) => m.event?.id === event.id);
    expect(forwarded.topic).toBe(topics.agent('document'));
    expect(forwarded.key).toBe(event.partitionkey);
    expect(forwarded.event).toMatchObject({
      type: 'webhook.received',
      correlationid: event.id,
      data: { payload: { n: 1 } },
    });
  });

  it('sends an event no rule matches to events.unrouted', async () => {
    const topics = topicNames(running.prefix);
    const event = createEvent('document.processed', { kind: 'text', text: 'x', metadata: {} }, { source: '/test' });
    await running.publish(topics.ingressFile, event);
    const unrouted = await running.probe!.waitFor((m) => m.event?.id === event.id);
    expect(unrouted.topic).toBe(topics.unrouted);
  });
});
