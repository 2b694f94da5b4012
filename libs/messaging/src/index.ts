export { MessagingClient } from './messaging-client';
export type { MessagingClientOptions } from './messaging-client';
export { EventPublisher } from './event-publisher';
export { EventConsumer } from './event-consumer';
export type { EventConsumerOptions, EventHandler, MessageContext } from './event-consumer';
export type { TopicSpec } from './topic-admin';
export type { ReadinessProbe } from './readiness-probe';
