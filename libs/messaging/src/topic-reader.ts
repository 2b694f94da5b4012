/**
 * Reads topics for an operator (the `flowline` CLI): a bounded range (replay, dead-letter
 * listing), a live tail, and consumer-group lag. It never commits an offset: each read uses
 * a throw-away consumer group that is deleted afterwards, so reading cannot move a
 * service's position. Reads are read_committed, like every Flowline consumer.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '@flowline/telemetry';
import { ConsumedRecord, toConsumedRecord } from './consumed-record';
import { BrokerUnavailable, UnknownTopicError } from './errors';

/** Where a read starts: the oldest record kept, the first record at or after a time, or an offset (in one partition, or in each). */
export type ReadStart = 'earliest' | { time: Date } | { offset: string; partition?: number };

export interface ReadOptions {
  topics: readonly string[];
  from: ReadStart;
  /** Stop before the first record at or after this time (default: the end as of the start of the read). */
  to?: Date;
}

export interface GroupLag {
  groupId: string;
  topic: string;
  partition: number;
  /** null when the group never committed on this partition. */
  committedOffset: string | null;
  endOffset: string;
  lag: number;
}

interface PartitionRange {
  topic: string;
  partition: number;
  start: bigint;
  /** Exclusive. */
  end: bigint;
}

const INTERNAL_TOPIC = /^__/;
const READER_GROUP_PREFIX = 'flowline-reader-';

export class TopicReader {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly brokers: readonly string[],
    private readonly logger: Logger,
  ) {
    this.admin = kafka.admin();
  }

  async listTopics(): Promise<string[]> {
    await this.connect();
    return (await this.admin.listTopics()).filter((topic) => !INTERNAL_TOPIC.test(topic)).sort();
  }

  async assertTopicsExist(topics: readonly string[]): Promise<void> {
    const existing = new Set(await this.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) throw new UnknownTopicError(missing);
  }

  /** How many offsets a read would cover: an upper bound of its records (transaction markers take offsets too). */
  async countRange(options: ReadOptions): Promise<number> {
    const ranges = await this.ranges(options);
    return ranges.reduce((sum, range) => sum + Number(range.end - range.start), 0);
  }

  /** Reads from `from` up to the end as of now (or `to`), each partition in order; resolves with the number of records read. */
  async read(
    options: ReadOptions & { onRecord(record: ConsumedRecord): Promise<void> | void; signal?: AbortSignal },
  ): Promise<number> {
    const ranges = (await this.ranges(options)).filter((range) => range.start < range.end);
    if (ranges.length === 0 || options.signal?.aborted === true) return 0;
    const remaining = new Set(ranges.map(partitionKey));
    let count = 0;
    const reader = this.readerConsumer();
    let failRead!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      failRead = reject;
      const passed = (range: PartitionRange | undefined, lastOffset: string): void => {
        if (range !== undefined && BigInt(lastOffset) + 1n >= range.end) remaining.delete(partitionKey(range));
        if (remaining.size === 0) resolve();
      };
      // Batches holding only transaction markers reach no handler; this event still says how far the fetch got.
      reader.consumer.on(reader.consumer.events.END_BATCH_PROCESS, ({ payload }) =>
        passed(
          ranges.find((range) => range.topic === payload.topic && range.partition === payload.partition),
          payload.lastOffset,
        ),
      );
      reader.consumer.on(reader.consumer.events.CRASH, ({ payload }) => reject(payload.error));
      options.signal?.addEventListener('abort', () => resolve());
    });
    try {
      await this.runFrom(
        reader.consumer,
        ranges,
        async (record) => {
          if (options.signal?.aborted === true) return;
          count += 1;
          await options.onRecord(record);
        },
        failRead,
      );
      await done;
    } finally {
      await this.dispose(reader);
    }
    return count;
  }

  /** Hands on every record written from now on, until the signal aborts. */
  async tail(options: {
    topics: readonly string[];
    onRecord(record: ConsumedRecord): Promise<void> | void;
    signal: AbortSignal;
  }): Promise<void> {
    const ends = await this.ranges({ topics: options.topics, from: 'earliest' });
    const reader = this.readerConsumer();
    let failTail!: (error: unknown) => void;
    const stopped = new Promise<void>((resolve, reject) => {
      failTail = reject;
      if (options.signal.aborted) resolve();
      options.signal.addEventListener('abort', () => resolve());
      reader.consumer.on(reader.consumer.events.CRASH, ({ payload }) => reject(payload.error));
    });
    try {
      const live = ends.map((range) => ({ ...range, start: range.end, end: undefined }));
      await this.runFrom(
        reader.consumer,
        live,
        async (record) => {
          if (!options.signal.aborted) await options.onRecord(record);
        },
        failTail,
      );
      await stopped;
    } finally {
      await this.dispose(reader);
    }
  }

  /** Lag of every consumer group (but the reader's own) on every partition it committed on. */
  async consumerGroupLag(): Promise<GroupLag[]> {
    await this.connect();
    const { groups } = await this.admin.listGroups();
    const ends = new Map<string, Map<number, string>>();
    const endOf = async (topic: string): Promise<Map<number, string>> => {
      let offsets = ends.get(topic);
      if (offsets === undefined) {
        offsets = new Map((await this.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
        ends.set(topic, offsets);
      }
      return offsets;
    };
    const lags: GroupLag[] = [];
    for (const { groupId, protocolType } of groups) {
      if (protocolType !== 'consumer' || groupId.startsWith(READER_GROUP_PREFIX)) continue;
      for (const { topic, partitions } of await this.admin.fetchOffsets({ groupId })) {
        const topicEnds = await endOf(topic);
        for (const { partition, offset } of partitions) {
          const endOffset = topicEnds.get(partition) ?? '0';
          const committed = offset === '-1' ? null : offset;
          lags.push({
            groupId,
            topic,
            partition,
            committedOffset: committed,
            endOffset,
            lag: Number(BigInt(endOffset) - BigInt(committed ?? '0')),
          });
        }
      }
    }
    return lags.sort(
      (a, b) => a.groupId.localeCompare(b.groupId) || a.topic.localeCompare(b.topic) || a.partition - b.partition,
    );
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.admin.disconnect();
    this.connected = undefined;
  }

  private connect(): Promise<void> {
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw new BrokerUnavailable(`cannot reach Kafka at ${this.brokers.join(',')}: ${(error as Error).message}`, {
        cause: error,
      });
    });
    return this.connected;
  }

  private async ranges(options: ReadOptions): Promise<PartitionRange[]> {
    await this.assertTopicsExist(options.topics);
    const ranges: PartitionRange[] = [];
    for (const topic of options.topics) {
      const watermarks = await this.admin.fetchTopicOffsets(topic);
      const { from, to } = options;
      const starts = typeof from === 'object' && 'time' in from ? await this.offsetsAt(topic, from.time) : undefined;
      const ends = to === undefined ? undefined : await this.offsetsAt(topic, to);
      for (const { partition, low, high } of watermarks) {
        let start: bigint;
        if (from === 'earliest') start = BigInt(low);
        else if ('time' in from) start = starts?.get(partition) ?? BigInt(high);
        else if (from.partition !== undefined && from.partition !== partition) continue;
        else start = BigInt(from.offset);
        // Never before the oldest record kept, never past the end.
        start = start < BigInt(low) ? BigInt(low) : start > BigInt(high) ? BigInt(high) : start;
        const end = ends?.get(partition) ?? BigInt(high);
        ranges.push({ topic, partition, start, end: end < start ? start : end });
      }
    }
    return ranges;
  }

  /** The first offset at or after `time` in each partition (the end when none is). */
  private async offsetsAt(topic: string, time: Date): Promise<Map<number, bigint>> {
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(topic, time.getTime());
    return new Map(offsets.map(({ partition, offset }) => [partition, BigInt(offset)]));
  }

  private readerConsumer(): { consumer: Consumer; groupId: string } {
    const groupId = `${READER_GROUP_PREFIX}${randomUUID()}`;
    // fromBeginning: the group's first position is then never past a range's start, so a
    // fetch that runs before the seeks below land cannot skip records (see runFrom).
    return { groupId, consumer: this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 }) };
  }

  /**
   * Runs the consumer and seeks each partition to its start. A fetch may run before the
   * seek lands; records are therefore handed on only from the start, below the end, and
   * never twice (a per-partition position that only moves forward).
   */
  private async runFrom(
    consumer: Consumer,
    ranges: readonly (Omit<PartitionRange, 'end'> & { end: bigint | undefined })[],
    onRecord: (record: ConsumedRecord) => Promise<void>,
    onError: (error: unknown) => void,
  ): Promise<void> {
    const positions = new Map(ranges.map((range) => [partitionKey(range), { next: range.start, end: range.end }]));
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(ranges.map((range) => range.topic))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const position = positions.get(partitionKey(batch));
        if (position === undefined) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < position.next || (position.end !== undefined && offset >= position.end)) continue;
          position.next = offset + 1n;
          try {
            await onRecord(toConsumedRecord(batch.topic, batch.partition, message));
          } catch (error) {
            // The caller's failure ends the read (kafkajs would retry the batch, and the
            // position already moved past this record: it would be skipped, not retried).
            onError(error);
            return;
          }
        }
      },
    });
    for (const range of ranges)
      consumer.seek({ topic: range.topic, partition: range.partition, offset: range.start.toString() });
  }

  private async dispose({ consumer, groupId }: { consumer: Consumer; groupId: string }): Promise<void> {
    await consumer.disconnect();
    await this.admin.deleteGroups([groupId]).catch((error: unknown) => {
      this.logger.debug({ err: error, groupId }, 'could not delete the reader group (it expires by itself)');
    });
  }
}

function partitionKey({ topic, partition }: { topic: string; partition: number }): string {
  return `${topic}:${partition}`;
}
