import { topicNames } from './topics';

describe('topic names', () => {
  it('uses the contract names without a prefix', () => {
    const topics = topicNames();
    expect(topics.ingressWebhook).toBe('ingress.webhook');
    expect(topics.agent('document')).toBe('agent.document');
    expect(topics.deadLetter(topics.domainEvents)).toBe('events.domain.dlq');
  });

  it('prefixes every topic for a tenant', () => {
    const topics = topicNames('acme.');
    expect(topics.ingressWebhook).toBe('acme.ingress.webhook');
    expect(topics.agent('sync')).toBe('acme.agent.sync');
    expect(topics.deadLetter(topics.unrouted)).toBe('acme.events.unrouted.dlq');
  });

  it('rejects a prefix Kafka would not accept', () => {
    expect(() => topicNames('bad prefix/')).toThrow(/prefix/);
  });
});
