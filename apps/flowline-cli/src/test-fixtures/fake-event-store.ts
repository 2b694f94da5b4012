/** An in-memory event store with the query semantics the CLI relies on. */
import type {
  EventFilter,
  EventStats,
  EventStorePort,
  EventTrace,
  RecordPosition,
  RedriveMark,
  StoredEvent,
} from '../ports';

export class FakeEventStore implements EventStorePort {
  readonly traces = new Map<string, EventTrace>();
  events: StoredEvent[] = [];
  readonly marks = new Map<string, RedriveMark>();
  readonly queries: EventFilter[] = [];
  statsResult: Omit<EventStats, 'from' | 'to'> = { total: 0, byTypeAndTopic: [], deadLetters: [], hops: [] };
  statsWindows: { from: Date; to: Date }[] = [];

  trace(correlationId: string): Promise<EventTrace | undefined> {
    return Promise.resolve(this.traces.get(correlationId));
  }

  findEvents(filter: EventFilter): Promise<StoredEvent[]> {
    this.queries.push(filter);
    const matching = this.events
      .filter(
        (event) =>
          (filter.from === undefined || event.kafkaTimestamp >= filter.from) &&
          (filter.to === undefined || event.kafkaTimestamp < filter.to) &&
          (filter.type === undefined || event.type === filter.type) &&
          (filter.correlationId === undefined || event.correlationid === filter.correlationId) &&
          (filter.topic === undefined || event.topic === filter.topic),
      )
      .sort(
        (a, b) =>
          a.kafkaTimestamp.getTime() - b.kafkaTimestamp.getTime() ||
          a.topic.localeCompare(b.topic) ||
          a.partition - b.partition ||
          Number(a.offset) - Number(b.offset),
      );
    return Promise.resolve(matching.slice(0, filter.limit ?? 100));
  }

  stats(window: { from: Date; to: Date }): Promise<EventStats> {
    this.statsWindows.push(window);
    return Promise.resolve({ ...window, ...this.statsResult });
  }

  markRedriven(record: RecordPosition, redrivenTo: string, at: Date = new Date()): Promise<void> {
    this.marks.set(`${record.topic}:${record.partition}:${record.offset}`, { redrivenAt: at, redrivenTo });
    return Promise.resolve();
  }

  redriven(records: readonly RecordPosition[]): Promise<Map<string, RedriveMark>> {
    const found = new Map<string, RedriveMark>();
    for (const record of records) {
      const key = `${record.topic}:${record.partition}:${record.offset}`;
      const mark = this.marks.get(key);
      if (mark !== undefined) found.set(key, mark);
    }
    return Promise.resolve(found);
  }
}

export function storedEvent(fields: Partial<StoredEvent> & Pick<StoredEvent, 'topic' | 'offset'>): StoredEvent {
  return {
    id: null,
    type: null,
    source: null,
    subject: null,
    time: null,
    correlationid: null,
    causationid: null,
    schemaversion: 1,
    partition: 0,
    kafkaTimestamp: new Date(Date.UTC(2026, 10, 22, 10, 0, 0)),
    key: 'key-1',
    headers: {},
    data: { n: 1 },
    valueBase64: null,
    valueText: null,
    archivedAt: new Date(Date.UTC(2026, 10, 22, 10, 0, 1)),
    ...fields,
  };
}
