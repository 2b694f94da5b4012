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
 *
 * Commits go through the group member's OffsetCommitter, like the event consumer's: coalesced
 * per partition, in order (a commit past skipped transaction markers cannot overtake a batch's
 * commit, nor the reverse), and never for a partition this member lost since it asked.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger, ServiceMetrics } from '@flowline/telemetry';
import { ConsumedRecord, toConsumedRecord } from './consumed-record';
import { countPerTopicAndType } from './event-counts';
import { GroupMember, positionAfter, SkippedRecords } from './group-member';
import type { OffsetCommitter } from './offset-committer';
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
  /** How long the group waits for a member that stopped heartbeating (default 6 s; group-member.ts). */
  sessionTimeoutMs?: number;
}

const DEFAULT_MAX_BATCH_RECORDS = 1_000;

export class RecordBatchConsumer {
  readonly name: string;
  private readonly member: GroupMember;
  private readonly consumer: Consumer;
  private readonly retry: RetryPolicy;
  /** Wakes a batch sleeping before its next attempt, so stop() need not wait out a backoff. */
  private readonly sleepers = new Set<() => void>();
  private readonly committer: OffsetCommitter;

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
    this.committer = this.member.offsetCommitter();
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
    await this.member.run({
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
    await this.committer.idle();
    await this.consumer.disconnect();
  }

  /**
   * Commits past records never handed on (transaction markers, aborted records): nothing of
   * them is stored. The committer keeps a partition's commits in order, so this one and the
   * partition's batch commits cannot overtake each other (which would move the group back).
   */
  private commitSkipped({ topic, partition, next, lag }: SkippedRecords): void {
    this.options.metrics?.consumerLag.set({ topic, partition: String(partition), group: this.options.groupId }, lag);
    void this.committer.commit({ topic, partition, offset: next, metadata: null });
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
      // Requested only now that the records are stored. A failure (typically: evicted during
      // a long store, the partition moved) is logged by the committer and never escapes here,
      // where kafkajs would take it as fatal; whoever owns the partition now re-reads from the
      // last commit and the store ignores what it already holds. Not awaited: the next
      // chunk's store overlaps the round trip, and stop() waits for the committer.
      void this.committer.commit({ topic, partition, offset: (BigInt(last) + 1n).toString(), metadata: null });
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
        const slice = this.member.heartbeatIntervalMs;
        for (let left = delayMs; left > 0; left -= slice) {
          if (!(await this.sleep(Math.min(left, slice))) || !payload.isRunning()) return false;
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
