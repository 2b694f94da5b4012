/**
 * What the commands need from the outside world, as small structural interfaces: the
 * commands take these as parameters, so they are tested with in-memory fakes, and
 * `connect.ts` (the composition root) hands them the real event store and Kafka clients.
 * Each is a subset of `@flowline/event-store` / `@flowline/messaging`; keep them narrow.
 */
import type { EventStore } from '@flowline/event-store';
import type { EventPublisher, TopicReader } from '@flowline/messaging';
import type { SubscriptionStore } from '@flowline/subscriptions';

/** Where the commands write: stdout for results, stderr for progress and problems. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

// ---- Kafka (`@flowline/messaging`) and the event store (`@flowline/event-store`) ----
// The data types are the libs' own; the ports are the few methods the commands call.

export type {
  ConsumedRecord,
  GroupLag,
  OutgoingRecord,
  ReadOptions as RangeOptions,
  ReadStart,
} from '@flowline/messaging';
export type {
  DeadLetterInfo,
  EventFilter,
  EventStats,
  EventTrace,
  KafkaCoordinates as RecordPosition,
  RedriveMark,
  StoredEvent,
  TraceAppearance,
  TraceNode,
  TraceStatus,
} from '@flowline/event-store';

/** What the commands read from Kafka (TopicReader); `assertTopicsExist` throws UnknownTopicError (code UNKNOWN_TOPIC). */
export type TopicReaderPort = Pick<
  TopicReader,
  'assertTopicsExist' | 'read' | 'countRange' | 'tail' | 'consumerGroupLag'
>;

/** Republishes records byte for byte; resolves once the broker acknowledged (acks=all), in call order. */
export type RecordPublisherPort = Pick<EventPublisher, 'publishRecord'>;

/** What the commands read from and mark in the event store. */
export type EventStorePort = Pick<EventStore, 'trace' | 'findEvents' | 'stats' | 'markRedriven' | 'redriven'>;

/** The notifier's outbound webhook subscriptions (PostgreSQL). */
export type SubscriptionStorePort = Pick<SubscriptionStore, 'add' | 'list' | 'disable' | 'enable'>;
export type { Subscription } from '@flowline/subscriptions';

// ---- What a command run may connect to; each is connected on first use ----

export interface Connections {
  eventStore(): Promise<EventStorePort>;
  topicReader(): Promise<TopicReaderPort>;
  publisher(): Promise<RecordPublisherPort>;
  /** The subscription store; its table is created if missing. */
  subscriptions(): Promise<SubscriptionStorePort>;
  /** Closes whatever was connected. */
  close(): Promise<void>;
}

/** A progress display for long runs (a bar on a terminal's stderr). */
export interface Progress {
  increment(): void;
  /** When the total is learnt as the run goes (the event store is read page by page). */
  setTotal(total: number): void;
  stop(): void;
}
export type ProgressFactory = (total: number) => Progress;

/** What every command gets besides its ports. */
export interface CommandContext {
  output: CliOutput;
  /** Aborted on SIGINT/SIGTERM: a command stops reading, lets in-flight publishes finish and reports. */
  signal: AbortSignal;
  now: () => Date;
  /** Present when stderr is a terminal. */
  progress?: ProgressFactory;
}
