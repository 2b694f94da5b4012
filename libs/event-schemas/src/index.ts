export { AGENT_NAMES, BASE_TOPICS, topicNames } from './topics';
export type { AgentName, TopicNames } from './topics';
export { eventCatalog, isEventType, currentSchemaVersion } from './catalog';
export type { EventType, EventDataMap } from './catalog';
export { createEvent, decodeEvent, derivedEventId, encodeEvent, stableEventId } from './envelope';
export type { FlowlineEvent, CreateEventOptions, KafkaRecord } from './envelope';
export { EventDecodingError, NotACloudEvent, SchemaUnknown, EventDataInvalid } from './errors';
