export {
  migrateEventStore,
  ensureDayPartitions,
  listDayPartitions,
  EVENT_STORE_SCHEMA,
  EVENTS_TABLE,
  REDRIVES_TABLE,
  DAYS_AHEAD,
} from './event-store-schema';
export { EventStore } from './event-store';
export type { EventFilter, KafkaCoordinates } from './event-store';
export type { ArchivedRecord } from './record-columns';
export { isSecretHeader } from './record-columns';
export type { StoredEvent, DeadLetterInfo, RedriveMark } from './stored-event';
export { recordKey } from './stored-event';
export { buildTrace } from './trace-tree';
export type { TraceStatus, TraceNode, TraceAppearance, EventTrace } from './trace-tree';
export type { EventStats, StatsWindow } from './event-stats';
export { partitionName } from './day-partitions';
export { EVENT_STORE_ERROR_CODES, EventStoreError, InvalidArchivedRecord } from './errors';
export type { EventStoreErrorCode } from './errors';
