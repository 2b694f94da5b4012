/**
 * Every Flowline topic name lives here. A prefix (FLOWLINE_TOPIC_PREFIX) lets several
 * tenants — or several test runs — share one cluster without seeing each other's events.
 */
export const AGENT_NAMES = ['invoice', 'email', 'document', 'sync'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

export const BASE_TOPICS = {
  ingressWebhook: 'ingress.webhook',
  ingressFile: 'ingress.file',
  ingressCdc: 'ingress.cdc',
  domainEvents: 'events.domain',
  unrouted: 'events.unrouted',
} as const;

export interface TopicNames {
  readonly ingressWebhook: string;
  readonly ingressFile: string;
  readonly ingressCdc: string;
  readonly domainEvents: string;
  readonly unrouted: string;
  agent(name: AgentName): string;
  deadLetter(topic: string): string;
  /** Every topic events travel on (ingress, domain, agents, unrouted), without dead-letter topics. */
  all(): string[];
}

const DEAD_LETTER_SUFFIX = '.dlq';

/** Whether a topic is a dead-letter topic (`<topic>.dlq`). */
export function isDeadLetterTopic(topic: string): boolean {
  return topic.endsWith(DEAD_LETTER_SUFFIX);
}

/** The topic a dead-letter topic guards (`agent.document.dlq` → `agent.document`); any other topic is returned as it is. */
export function guardedTopicOf(deadLetterTopic: string): string {
  return isDeadLetterTopic(deadLetterTopic) ? deadLetterTopic.slice(0, -DEAD_LETTER_SUFFIX.length) : deadLetterTopic;
}

/** Whether a topic is `events.unrouted`, with or without a tenant prefix. */
export function isUnroutedTopic(topic: string): boolean {
  return topic.endsWith(BASE_TOPICS.unrouted);
}

export function topicNames(prefix = ''): TopicNames {
  if (prefix !== '' && !/^[A-Za-z0-9._-]+$/.test(prefix)) {
    throw new Error(`topic prefix "${prefix}" may only contain letters, digits, '.', '_' and '-'`);
  }
  const named = (base: string): string => `${prefix}${base}`;
  return {
    ingressWebhook: named(BASE_TOPICS.ingressWebhook),
    ingressFile: named(BASE_TOPICS.ingressFile),
    ingressCdc: named(BASE_TOPICS.ingressCdc),
    domainEvents: named(BASE_TOPICS.domainEvents),
    unrouted: named(BASE_TOPICS.unrouted),
    agent: (name) => named(`agent.${name}`),
    // A dead-letter topic belongs to the topic it guards, which already carries the prefix.
    deadLetter: (topic) => `${topic}${DEAD_LETTER_SUFFIX}`,
    all: () => [...Object.values(BASE_TOPICS), ...AGENT_NAMES.map((name) => `agent.${name}`)].map(named),
  };
}
