import { recordKey } from '@flowline/event-store';
/**
 * `flowline replay`: republishes past events, unchanged, to one topic. With source topics
 * it reads them from Kafka (a time or an offset as the start); without, it reads the event
 * store (a time as the start; page by page). Event ids are kept, but each is a new record to
 * every consumer of the target topic: only a consumer that records ids in the PostgreSQL
 * inbox skips events it already handled; the others handle them again (docs/architecture.md
 * "Delivery guarantees: what is acknowledged when").
 */
import { InterruptedError, UsageError } from '../cli-error';
import { withoutDeadLetterHeaders } from '../dead-letter-record';
import type {
  CommandContext,
  ConsumedRecord,
  EventFilter,
  EventStorePort,
  OutgoingRecord,
  Progress,
  RecordPublisherPort,
  StoredEvent,
  TopicReaderPort,
} from '../ports';
import type { TimeOrOffset } from '../parse-time';
import { PublishWindow } from '../publish-window';

export interface ReplayOptions {
  from: TimeOrOffset;
  to?: Date;
  type?: string;
  correlation?: string;
  /** Source topics; empty: the event store. */
  topics: readonly string[];
  toTopic: string;
  dryRun: boolean;
}

export interface ReplayPorts {
  reader: Pick<TopicReaderPort, 'assertTopicsExist' | 'read' | 'countRange'>;
  /** Asked for only when replaying from the event store. */
  store(): Promise<Pick<EventStorePort, 'findEvents'>>;
  /** Asked for only when something is to be sent. */
  publisher(): Promise<RecordPublisherPort>;
}

/** A bar only where it helps: a terminal, and enough events to wait for. */
export const PROGRESS_THRESHOLD = 100;
/** Rows per event-store query (its own limit is 100,000). */
export const STORE_PAGE_SIZE = 1_000;
const IN_FLIGHT = 256;

interface Replayable {
  record: OutgoingRecord;
  id: string | null;
  type: string | null;
  /** Where it was read from, for the dry-run listing. */
  origin: string;
}

export async function replayCommand(
  ports: ReplayPorts,
  options: ReplayOptions,
  context: CommandContext,
): Promise<void> {
  const { from, to } = options;
  if (to !== undefined && from.kind === 'time' && to.getTime() <= from.time.getTime()) {
    throw new UsageError(`--to ${to.toISOString()} is not after --from ${from.time.toISOString()}`);
  }
  if (options.topics.length === 0 && from.kind === 'offset') {
    throw new UsageError(
      '--from as an offset needs --topic: without it, replay reads the event store, which is read by time',
    );
  }
  await ports.reader.assertTopicsExist([...options.topics, options.toTopic]);
  const run = new ReplayRun(ports, options, context);
  await run.guarded(() => (options.topics.length > 0 ? run.fromKafka() : run.fromEventStore()));
  run.finish();
}

class ReplayRun {
  private readonly stop = new AbortController();
  private readonly window = new PublishWindow(IN_FLIGHT, () => this.stop.abort());
  private failure: { error: unknown } | undefined;
  private publisher: RecordPublisherPort | undefined;
  private progress: Progress | undefined;
  private sent = 0;

  constructor(
    private readonly ports: ReplayPorts,
    private readonly options: ReplayOptions,
    private readonly context: CommandContext,
  ) {}

  /** Runs the read with the operator's signal wired to stop it, then waits for in-flight publishes. */
  async guarded(read: () => Promise<void>): Promise<void> {
    const onSignal = (): void => this.stop.abort();
    this.context.signal.addEventListener('abort', onSignal);
    if (this.context.signal.aborted) this.stop.abort();
    try {
      await read();
    } catch (error) {
      this.fail(error);
    } finally {
      await this.window.drain();
      this.context.signal.removeEventListener('abort', onSignal);
      this.progress?.stop();
    }
    this.failure ??= this.window.failure;
  }

  async fromKafka(): Promise<void> {
    const { from, to, topics } = this.options;
    const start =
      from.kind === 'time'
        ? { time: from.time }
        : { offset: from.offset, ...(from.partition === undefined ? {} : { partition: from.partition }) };
    const range = { topics, from: start, ...(to === undefined ? {} : { to }) };
    if (this.wantsProgress()) this.startProgress(await this.ports.reader.countRange(range));
    await this.ports.reader.read({
      ...range,
      signal: this.stop.signal,
      onRecord: async (record) => {
        this.progress?.increment();
        if (this.stop.signal.aborted) return;
        // Filter on the ce_* headers: a replay sends records as they are, decodable or not.
        if (!this.matches(record.headers['ce_type'], record.headers['ce_correlationid'] ?? record.headers['ce_id']))
          return;
        try {
          await this.send(fromConsumedRecord(record));
        } catch (error) {
          // Never thrown into the Kafka read loop: stop the read and report after it.
          this.fail(error);
        }
      },
    });
  }

  async fromEventStore(): Promise<void> {
    const { from, to, type, correlation } = this.options;
    if (from.kind !== 'time') throw new UsageError('--from as an offset needs --topic');
    const store = await this.ports.store();
    const filter: EventFilter = {
      from: from.time,
      ...(to === undefined ? {} : { to }),
      ...(type === undefined ? {} : { type }),
      ...(correlation === undefined ? {} : { correlationId: correlation }),
    };
    const sentIds = new Set<string>();
    let loaded = 0;
    for await (const page of storePages(store, filter)) {
      if (this.stop.signal.aborted) return;
      // The store holds an event once per topic it passed (ingress, an agent topic, a DLQ): send each id once, as first seen.
      const replayable = page.filter((event) => {
        if (event.id === null) return true;
        if (sentIds.has(event.id)) return false;
        sentIds.add(event.id);
        return true;
      });
      loaded += replayable.length;
      if (this.progress !== undefined) this.progress.setTotal(loaded);
      else if (this.wantsProgress()) this.startProgress(loaded);
      for (const event of replayable) {
        if (this.stop.signal.aborted) return;
        await this.send(fromStoredEvent(event));
        this.progress?.increment();
      }
    }
  }

  finish(): void {
    const { output } = this.context;
    const { toTopic, dryRun } = this.options;
    const what = `${this.sent} event${this.sent === 1 ? '' : 's'}`;
    if (this.failure !== undefined) {
      if (this.sent > 0) output.err(`replayed ${what} to ${toTopic} before failing\n`);
      throw this.failure.error;
    }
    if (this.context.signal.aborted)
      throw new InterruptedError(`${dryRun ? 'listed' : 'replayed'} ${what} to ${toTopic} before stopping`);
    output.out(
      dryRun
        ? `dry run: would replay ${what} to ${toTopic}; nothing was sent\n`
        : `replayed ${what} to ${toTopic} (event ids kept)\n`,
    );
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
    this.stop.abort();
  }

  private matches(type: string | null | undefined, correlation: string | null | undefined): boolean {
    return (
      (this.options.type === undefined || this.options.type === type) &&
      (this.options.correlation === undefined || this.options.correlation === correlation)
    );
  }

  private async send(event: Replayable): Promise<void> {
    const { toTopic } = this.options;
    if (this.options.dryRun) {
      this.sent += 1;
      this.context.output.out(
        `would send ${event.id ?? '(no id)'}  ${event.type ?? '(no type)'}  from ${event.origin} → ${toTopic}\n`,
      );
      return;
    }
    this.publisher ??= await this.ports.publisher();
    const publisher = this.publisher;
    await this.window.submit(async () => {
      await publisher.publishRecord(toTopic, event.record, event.type ?? 'unknown', event.id ?? undefined);
      this.sent += 1;
    });
  }

  private wantsProgress(): boolean {
    return !this.options.dryRun && this.context.progress !== undefined;
  }

  private startProgress(total: number): void {
    if (total > PROGRESS_THRESHOLD) this.progress = this.context.progress?.(total);
  }
}

/**
 * The store's rows for a filter, page by page in (Kafka timestamp, topic, partition,
 * offset) order. The next page starts at the last page's last timestamp (inclusive), and
 * the rows already seen at that timestamp are dropped, so none is lost or repeated.
 */
export async function* storePages(
  store: Pick<EventStorePort, 'findEvents'>,
  filter: EventFilter,
): AsyncGenerator<StoredEvent[]> {
  let from = filter.from;
  let seenAtBoundary = new Set<string>();
  for (;;) {
    const page = await store.findEvents({
      ...filter,
      ...(from === undefined ? {} : { from }),
      limit: STORE_PAGE_SIZE,
      order: 'asc',
    });
    const fresh = page.filter((event) => !seenAtBoundary.has(recordKey(event)));
    if (fresh.length > 0) yield fresh;
    const last = page[page.length - 1];
    if (page.length < STORE_PAGE_SIZE || last === undefined) return;
    if (fresh.length === 0) {
      throw new Error(
        `more than ${STORE_PAGE_SIZE} stored records share the Kafka timestamp ${last.kafkaTimestamp.toISOString()}: replay them from Kafka with --topic`,
      );
    }
    const boundary = last.kafkaTimestamp.getTime();
    if (from === undefined || from.getTime() !== boundary) seenAtBoundary = new Set();
    for (const event of page) if (event.kafkaTimestamp.getTime() === boundary) seenAtBoundary.add(recordKey(event));
    from = last.kafkaTimestamp;
  }
}

function fromConsumedRecord(record: ConsumedRecord): Replayable {
  return {
    record: { key: record.key, value: record.value, headers: withoutDeadLetterHeaders(record.headers) },
    id: record.headers['ce_id'] ?? null,
    type: record.headers['ce_type'] ?? null,
    origin: `${record.topic} ${record.partition}:${record.offset}`,
  };
}

/**
 * The stored record as it was on the wire: the value's exact text or bytes. Rows archived
 * before the store kept the text have only `data`, re-serialised here (same meaning, not the
 * same bytes: PostgreSQL's jsonb reorders keys and respells numbers).
 */
function fromStoredEvent(event: StoredEvent): Replayable {
  const value =
    event.valueBase64 !== null
      ? Buffer.from(event.valueBase64, 'base64')
      : event.valueText !== null
        ? Buffer.from(event.valueText, 'utf8')
        : event.data === null
          ? null
          : Buffer.from(JSON.stringify(event.data));
  return {
    record: { key: event.key, value, headers: withoutDeadLetterHeaders(event.headers) },
    id: event.id,
    type: event.type,
    origin: `${event.topic} ${event.partition}:${event.offset}`,
  };
}
