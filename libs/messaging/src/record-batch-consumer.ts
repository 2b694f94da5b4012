/**
 * Consumes raw records in batches for stages that store what they read (the event
 * archiver), where the event consumer's one-handler-call-per-event would cost one database
 * round trip per event.
 *
 * Guarantee: a batch's offsets are committed only after `handleBatch` resolved for it, so a
 * crash redelivers what was not yet stored; `handleBatch` must therefore be idempotent (the
 * archiver's insert ignores a (topic, partition, offset) it already has). A failing batch
 * is retried with backoff — and never skipped: an audit trail with holes is worse than one
 * that lags (lag is visible on /metrics and alerted on).
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger, ServiceMetrics } from '@flowline/telemetry';
import { ConsumedRecord, toConsumedRecord } from './consumed-record';
import { countPerTopicAndType } from './event-counts';
import { GroupMember, positionAfter, SkippedRecords } from './group-member';
import type { ReadinessProbe } from './readiness-probe';
import { DEFAULT_RETRY_POLICY, retryDelayMs, RetryPolicy } from './retry-policy';

export interface RecordBatchConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** Stores one partition's records, in offset order. Resolving lets their offsets be committed. */
  handleBatch(records: readonly ConsumedRecord[]): Promise<void>;
  logger: Logger;
  metrics?: ServiceMetrics;
  /** Records per `handleBatch` call at most (default 1,000). */
  maxBatchRecords?: number;
  /** Partitions handled at the same time (default 3). */
  partitionsConcurrently?: number;
  /** Read from the beginning when the group has no committed offset (default true). */
  fromBeginning?: boolean;
  /** Backoff between failed attempts of a batch; attempts are not limited. */
  retry?: Partial<Omit<RetryPolicy, 'maxAttempts'>>;
  sessionTimeoutMs?: number;
}

const DEFAULT_MAX_BATCH_RECORDS = 1_000;
const HEARTBEAT_EVERY_MS = 2_000;

export class RecordBatchConsumer {
  readonly name: string;
  private readonly member: GroupMember;
  private readonly consumer: Consumer;
  private readonly retry: RetryPolicy;
  /** Wakes a batch sleeping before its next attempt, so stop() need not wait out a backoff. */
  private readonly sleepers = new Set<() => void>();
  /** Commits past skipped records still on the wire, by `topic:partition` (commitSkipped). */
  private readonly skipCommits = new Map<string, Promise<void>>();

  constructor(
    kafka: Kafka,
    private readonly options: RecordBatchConsumerOptions,
  ) {
    this.name = `kafka-record-consumer:${options.groupId}`;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry, maxAttempts: Number.POSITIVE_INFINITY };
    this.member = new GroupMember(kafka, {
      groupId: options.groupId,
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
      logger: options.logger,
      onSkipped: (skipped) => this.commitSkipped(skipped),
    });
    this.consumer = this.member.consumer;
  }

  /** A readiness check: ready while the consumer is a member of its group. */
  readiness(): ReadinessProbe {
    return this.member.readiness(this.name);
  }

  /** Settles when kafkajs gave up on this consumer for good: the service runtime then stops the service and exits 1. */
  get failed(): Promise<Error> {
    return this.member.failed;
  }

  async start(): Promise<void> {
    await this.member.subscribe(this.options.topics, this.options.fromBeginning ?? true);
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 3,
      eachBatch: (payload) => this.handleKafkaBatch(payload),
    });
  }

  /** Stops fetching, lets the batch in hand be stored and committed, then leaves the group. */
  async stop(): Promise<void> {
    this.member.stopFetching(this.options.topics);
    for (const wake of this.sleepers) wake();
    await this.member.batchesDone();
    // kafkajs drops a commit still on the wire once disconnecting.
    await Promise.all(this.skipCommits.values());
    await this.consumer.disconnect();
  }

  /**
   * Commits past records never handed on (transaction markers, aborted records): nothing of
   * them is stored. Remembered per partition, so the partition's next batch commit waits for
   * it and cannot be overtaken by it (which would move the group back).
   */
  private commitSkipped({ topic, partition, next, lag }: SkippedRecords): void {
    this.options.metrics?.consumerLag.set({ topic, partition: String(partition), group: this.options.groupId }, lag);
    const key = `${topic}:${partition}`;
    const commit = this.consumer.commitOffsets([{ topic, partition, offset: next }]).catch((error: unknown) => {
      this.options.logger.warn(
        { err: error, topic, partition, offset: next },
        'committing past transaction markers failed; the next commit of the partition covers it',
      );
    });
    this.skipCommits.set(key, commit);
    void commit.then(() => {
      if (this.skipCommits.get(key) === commit) this.skipCommits.delete(key);
    });
  }

  private handleKafkaBatch(payload: EachBatchPayload): Promise<void> {
    return this.member.runBatch(
      () => this.storeBatch(payload),
      () => payload.heartbeat(),
    );
  }

  private async storeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const { groupId, metrics } = this.options;
    metrics?.consumerLag.set({ topic, partition: String(partition), group: groupId }, Number(batch.offsetLag()));
    const size = this.options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!payload.isRunning() || this.member.stopping) return;
      const records = batch.messages
        .slice(start, start + size)
        .map((message) => toConsumedRecord(topic, partition, message));
      if (!(await this.storeWithRetry(records, payload))) return;
      const last = positionAfter(batch, (records.at(-1) as ConsumedRecord).offset);
      payload.resolveOffset(last);
      countPerTopicAndType(this.options.metrics?.eventsConsumed, records, (record) => ({
        topic,
        type: record.headers['ce_type'] ?? 'unknown',
      }));
      try {
        await this.skipCommits.get(`${topic}:${partition}`);
        await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
      } catch (error) {
        // Typically evicted during a long store (a rebalance moved the partition): kafkajs
        // wraps that as non-retriable and would stop the consumer for good if it escaped
        // here. The records are stored; whoever owns the partition now re-reads from the
        // last commit and the store ignores what it already holds. Leave the batch; the
        // next heartbeat sees the rebalance and kafkajs rejoins.
        this.options.logger.warn(
          { err: error, topic, partition, offset: last },
          'offset commit failed after the batch was stored; a redelivery covers it',
        );
        return;
      }
      await payload.heartbeat();
    }
  }

  /** True once stored; false when the consumer is stopping (the records stay uncommitted). */
  private async storeWithRetry(records: readonly ConsumedRecord[], payload: EachBatchPayload): Promise<boolean> {
    const first = records[0] as ConsumedRecord;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.options.handleBatch(records);
        return true;
      } catch (error) {
        const delayMs = retryDelayMs(attempt, this.retry);
        this.options.metrics?.retries.inc({ topic: first.topic, type: 'batch' });
        this.options.logger.error(
          {
            err: error,
            topic: first.topic,
            partition: first.partition,
            from_offset: first.offset,
            records: records.length,
            attempt,
            retry_in_ms: delayMs,
          },
          'storing a batch failed; retrying it',
        );
        // Sleep in slices with a heartbeat between them: kafkajs heartbeats only when asked,
        // and a long outage of the store must not cost the group membership.
        for (let left = delayMs; left > 0; left -= HEARTBEAT_EVERY_MS) {
          if (!(await this.sleep(Math.min(left, HEARTBEAT_EVERY_MS))) || !payload.isRunning()) return false;
          await payload.heartbeat();
        }
        if (this.member.stopping || !payload.isRunning()) return false;
      }
    }
  }

  private sleep(ms: number): Promise<boolean> {
    if (this.member.stopping) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve(!this.member.stopping);
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
