/** In-memory stand-ins for the Kafka ports, shaped like the messaging lib's behaviour. */
import { createEvent, encodeEvent } from '@flowline/event-schemas';
import type {
  ConsumedRecord,
  GroupLag,
  OutgoingRecord,
  RangeOptions,
  ReadStart,
  RecordPublisherPort,
  TopicReaderPort,
} from '../ports';

/** The messaging lib's UnknownTopicError, as the CLI recognises it (by its code). */
export class FakeUnknownTopicError extends Error {
  readonly code = 'UNKNOWN_TOPIC';
  constructor(readonly topics: readonly string[]) {
    super(`unknown topics: ${topics.join(', ')}`);
  }
}

export function consumedRecord(
  topic: string,
  offset: number,
  fields: {
    partition?: number;
    headers?: Record<string, string>;
    key?: string | null;
    value?: string | null;
    timestamp?: Date;
  } = {},
): ConsumedRecord {
  return {
    topic,
    partition: fields.partition ?? 0,
    offset: String(offset),
    timestamp: fields.timestamp ?? new Date(Date.UTC(2026, 10, 22, 10, 0, 0, offset)),
    key: fields.key === null ? null : Buffer.from(fields.key ?? 'key-1'),
    value: fields.value === null ? null : Buffer.from(fields.value ?? '{"n":1}'),
    headers: fields.headers ?? {},
  };
}

/** A real, decodable `webhook.received` CloudEvent as a Kafka record. */
export function webhookRecord(
  topic: string,
  offset: number,
  id: string,
  options: { correlationid?: string; source?: string } = {},
): ConsumedRecord {
  const event = createEvent(
    'webhook.received',
    { source: 'github', payload: { n: offset } },
    {
      id,
      source: options.source ?? '/webhook-gateway/github',
      time: new Date(Date.UTC(2026, 10, 22, 10, 0, 0, offset)),
      ...(options.correlationid === undefined
        ? {}
        : { causedBy: { id: options.correlationid, correlationid: options.correlationid } }),
    },
  );
  const encoded = encodeEvent(event);
  return { ...consumedRecord(topic, offset, { headers: encoded.headers, key: encoded.key }), value: encoded.value };
}

export class FakeTopicReader implements TopicReaderPort {
  readonly reads: RangeOptions[] = [];
  lag: GroupLag[] = [];
  /** Records `tail` hands on before it waits for the abort. */
  live: ConsumedRecord[] = [];

  constructor(private readonly topics: Record<string, ConsumedRecord[]>) {}

  assertTopicsExist(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((topic) => this.topics[topic] === undefined);
    return missing.length > 0 ? Promise.reject(new FakeUnknownTopicError(missing)) : Promise.resolve();
  }

  async read(
    options: RangeOptions & { onRecord(record: ConsumedRecord): Promise<void> | void; signal?: AbortSignal },
  ): Promise<number> {
    await this.assertTopicsExist(options.topics);
    this.reads.push({
      topics: options.topics,
      from: options.from,
      ...(options.to === undefined ? {} : { to: options.to }),
    });
    let count = 0;
    for (const record of this.inRange(options)) {
      if (options.signal?.aborted === true) break;
      count += 1;
      await options.onRecord(record);
    }
    if (this.failReadWith !== undefined) throw this.failReadWith;
    return count;
  }

  /** Set to make read() fail after it handed on its records (a consumer crash mid-read). */
  failReadWith: Error | undefined;

  async countRange(options: RangeOptions): Promise<number> {
    await this.assertTopicsExist(options.topics);
    return this.inRange(options).length;
  }

  async tail(options: {
    topics: readonly string[];
    onRecord(record: ConsumedRecord): Promise<void> | void;
    signal: AbortSignal;
  }): Promise<void> {
    await this.assertTopicsExist(options.topics);
    for (const record of this.live.filter((live) => options.topics.includes(live.topic)))
      await options.onRecord(record);
    if (options.signal.aborted) return;
    await new Promise<void>((resolve) => options.signal.addEventListener('abort', () => resolve()));
  }

  consumerGroupLag(): Promise<GroupLag[]> {
    return Promise.resolve(this.lag);
  }

  private inRange(options: RangeOptions): ConsumedRecord[] {
    return options.topics.flatMap((topic) =>
      (this.topics[topic] ?? []).filter(
        (record) => startsBy(options.from, record) && (options.to === undefined || record.timestamp < options.to),
      ),
    );
  }
}

function startsBy(from: ReadStart, record: ConsumedRecord): boolean {
  if (from === 'earliest') return true;
  if ('time' in from) return record.timestamp >= from.time;
  if (from.partition !== undefined && from.partition !== record.partition) return false;
  return BigInt(record.offset) >= BigInt(from.offset);
}

export interface Published {
  topic: string;
  record: OutgoingRecord;
  type: string;
  eventId: string | undefined;
}

/** Records what was published; with `hold`, each publish waits until `release()` (the broker's ack). */
export class FakePublisher implements RecordPublisherPort {
  readonly published: Published[] = [];
  private readonly waiting: (() => void)[] = [];
  failWith: Error | undefined;

  constructor(private readonly hold = false) {}

  async publishRecord(topic: string, record: OutgoingRecord, type: string, eventId?: string): Promise<void> {
    this.published.push({ topic, record, type, eventId });
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failWith !== undefined) throw this.failWith;
  }

  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
