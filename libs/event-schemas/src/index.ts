export { AGENT_NAMES, BASE_TOPICS, guardedTopicOf, isDeadLetterTopic, isUnroutedTopic, topicNames } from './topics';
export type { AgentName, TopicNames } from './topics';
export { BINARY_DATA_TYPES, eventCatalog, EVENT_TYPES, isEventType, currentSchemaVersion } from './event-catalog';
export type {
  BinaryDataType,
  EventType,
  EventDataMap,
  WebhookReceived,
  EmailIncoming,
  FileUploaded,
  DataChanged,
  InvoiceReceived,
  InvoiceProcessed,
  EmailClassified,
  DocumentProcessed,
  SubscriptionDisabled,
  SyncCompleted,
} from './event-catalog';
export type { Money } from './catalog/field-types';
export { versionHistory } from './schema-registry';
export type { LatestData, SchemaRegistry, SchemaVersion, VersionHistory } from './schema-registry';
export {
  createBinaryEvent,
  createEvent,
  dataSchemaUri,
  decodeEvent,
  isStructuredMode,
  toBinaryMode,
  withDerivedType,
  derivedEventId,
  encodeEvent,
  lastHeaderTexts,
  lastHeaderValues,
  stableEventId,
} from './envelope';
export type {
  DataSchemaUri,
  DerivedType,
  DerivedTypeEvent,
  FlowlineEvent,
  CreateEventOptions,
  KafkaHeaders,
  KafkaRecord,
} from './envelope';
export { handlerFor } from './event-handlers';
export type { EventData, EventHandlers, EventOf } from './event-handlers';
export { EventDecodingError, NotACloudEvent, SchemaUnknown, EventDataInvalid } from './errors';
export { DLQ_HEADER_DESCRIPTIONS, DLQ_HEADERS, readDeadLetterHeaders } from './dead-letter-headers';
export type { DeadLetterHeaderValues } from './dead-letter-headers';
