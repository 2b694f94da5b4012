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
    deadLetter: (topic) => `${topic}.dlq`,
  };
}
