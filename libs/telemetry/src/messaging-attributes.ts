/**
 * OpenTelemetry messaging semantic-convention attribute names for Kafka spans, as constants
 * here because the package only ships them as "incubating" (its docs advise copying them).
 * messaging-attributes.spec.ts checks each against the installed semantic-conventions.
 * Span names follow the same conventions: `send <topic>` (PRODUCER), `process <topic>`
 * (CONSUMER).
 */
export const MessagingAttribute = {
  /** Always `kafka` (MESSAGING_SYSTEM_KAFKA). */
  system: 'messaging.system',
  /** The topic. */
  destinationName: 'messaging.destination.name',
  /** The partition, as a string (the current name of messaging.kafka.destination.partition). */
  destinationPartitionId: 'messaging.destination.partition.id',
  /** The message's offset in its partition. */
  kafkaOffset: 'messaging.kafka.offset',
  /** The Kafka message key (the CloudEvent partitionkey), when there is one. */
  kafkaMessageKey: 'messaging.kafka.message.key',
  /** The CloudEvent id. */
  messageId: 'messaging.message.id',
  /** The consumer group. */
  consumerGroupName: 'messaging.consumer.group.name',
  /** `send` or `process` (MessagingOperation). */
  operationType: 'messaging.operation.type',
  /** The operation's own name, e.g. `send` or `process`. */
  operationName: 'messaging.operation.name',
  /** Number of messages in a batch send. */
  batchMessageCount: 'messaging.batch.message_count',
} as const;

export const MESSAGING_SYSTEM_KAFKA = 'kafka';

export const MessagingOperation = {
  send: 'send',
  process: 'process',
} as const;
export type MessagingOperation = (typeof MessagingOperation)[keyof typeof MessagingOperation];
