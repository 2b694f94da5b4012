import { guardedTopicOf, isDeadLetterTopic, isUnroutedTopic, topicNames } from './topics';

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

  it('lists every topic of the contract once, prefixed', () => {
    expect(topicNames('acme.').all().sort()).toEqual(
      [
        'ingress.webhook',
        'ingress.file',
        'ingress.cdc',
        'events.domain',
        'events.unrouted',
        'agent.invoice',
        'agent.email',
        'agent.document',
        'agent.sync',
      ]
        .map((topic) => `acme.${topic}`)
        .sort(),
    );
  });

  it('tells dead-letter and unrouted topics by name and finds the topic a dead-letter topic guards', () => {
    const topics = topicNames('acme.');
    const dlq = topics.deadLetter(topics.agent('document'));
    expect([isDeadLetterTopic(dlq), isDeadLetterTopic(topics.agent('document'))]).toEqual([true, false]);
    expect(guardedTopicOf(dlq)).toBe('acme.agent.document');
    expect(guardedTopicOf('acme.agent.document')).toBe('acme.agent.document');
    expect([isUnroutedTopic(topics.unrouted), isUnroutedTopic(topics.domainEvents)]).toEqual([true, false]);
  });

  it('rejects a prefix Kafka would not accept', () => {
    expect(() => topicNames('bad prefix/')).toThrow(/prefix/);
  });
});
