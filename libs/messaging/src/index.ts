export { MessagingClient } from './messaging-client';
export type { MessagingClientOptions } from './messaging-client';
export { EventPublisher } from './event-publisher';
export type { OutgoingRecord, PublisherOptions } from './event-publisher';
export { EventConsumer } from './event-consumer';
export type { EventConsumerOptions, EventHandler, HandlerContext } from './event-consumer';
export {
  BrokerUnavailable,
  DependencyUnavailable,
  isDependencyUnavailable,
  isRetryable,
  MessagingError,
  NonRetryableError,
  PoisonPill,
  PublishTimeout,
  RetryableError,
  UnknownTopicError,
} from './errors';
export type { MessagingErrorCode } from './errors';
export { DLQ_HEADERS } from './dead-letter';
export { DEFAULT_RETRY_POLICY, retryDelayMs } from './retry-policy';
export type { RetryPolicy } from './retry-policy';
export { PostgresInbox } from './postgres-inbox';
export type { InboxResult } from './postgres-inbox';
export type { ReadinessProbe } from './readiness-probe';
export type { TopicDefaults, TopicSpec } from './topic-admin';
export type { ConsumedRecord } from './consumed-record';
export { RecordBatchConsumer } from './record-batch-consumer';
export type { RecordBatchConsumerOptions } from './record-batch-consumer';
export { TopicReader } from './topic-reader';
export type { GroupLag, ReadOptions, ReadStart } from './topic-reader';
