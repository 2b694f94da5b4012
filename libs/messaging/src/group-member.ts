/**
 * A kafkajs consumer that is a member of a consumer group, with its membership tracked for
 * `/readyz` and its batches tracked for a draining stop: shared by the event consumer and
 * the record batch consumer, so both time out a silent member, report readiness and drain
 * the same way.
 */
import type { Batch, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '@flowline/telemetry';
import type { ReadinessProbe } from './readiness-probe';
import { isRetriableKafkaError } from './topic-admin';

export interface GroupMemberOptions {
  groupId: string;
  /**
   * How long the group waits for a member that stopped heartbeating before its partitions
   * move (default 30 s). Heartbeats go every tenth of it.
   */
  sessionTimeoutMs?: number;
  logger: Logger;
  /** Called on every join: a new generation may hand over partitions another member had. */
  onJoin?: () => void;
  /**
   * Called when kafkajs fetched records of a partition that were all filtered out before
   * reaching a handler — a transaction's commit or abort marker, records of an aborted
   * transaction — with the offset after them. kafkajs moves its fetch position past them
   * but, with autoCommit off, commits nothing: without a commit here, a partition whose last
   * record is a marker shows a lag of 1 for good (the Java client commits past markers).
   */
  onSkipped?: (skipped: SkippedRecords) => void;
}

export interface SkippedRecords {
  topic: string;
  partition: number;
  /** The offset after the skipped records: what to commit. */
  next: string;
  /** The partition's lag after them (its high watermark when they were fetched, less `next`). */
  lag: number;
}

const SUBSCRIBE_ATTEMPTS = 8;

export class GroupMember {
  readonly consumer: Consumer;
  /** Settles when kafkajs gave up on this consumer (a crash it will not restart from). */
  readonly failed: Promise<Error>;
  private joined = false;
  private draining = false;
  private activeBatches = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly heartbeatIntervalMs: number;

  constructor(
    kafka: Kafka,
    private readonly options: GroupMemberOptions,
  ) {
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.heartbeatIntervalMs = Math.max(500, Math.floor(sessionTimeout / 10));
    // A short fetch wait keeps shutdown quick: disconnect waits for the fetch in flight.
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
      sessionTimeout,
      heartbeatInterval: this.heartbeatIntervalMs,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
      options.onJoin?.();
    });
    for (const lost of [this.consumer.events.CRASH, this.consumer.events.DISCONNECT, this.consumer.events.STOP]) {
      this.consumer.on(lost, () => {
        this.joined = false;
      });
    }
    const { onSkipped } = options;
    if (onSkipped !== undefined) {
      // kafkajs reports a batch it filtered down to nothing with batchSize 0 (a batch with
      // records reaches the handler, and an empty fetch is not reported at all).
      this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize !== 0 || this.draining) return;
        // Called inside kafkajs's fetch loop: nothing thrown here may reach it.
        try {
          const next = BigInt(payload.lastOffset) + 1n;
          onSkipped({
            topic: payload.topic,
            partition: payload.partition,
            next: next.toString(),
            lag: Math.max(0, Number(BigInt(payload.highWatermark) - next)),
          });
        } catch (error) {
          options.logger.warn(
            { err: error, topic: payload.topic, partition: payload.partition },
            'could not handle records kafkajs skipped; the next commit of the partition covers them',
          );
        }
      });
    }
    let giveUp!: (error: Error) => void;
    this.failed = new Promise<Error>((resolve) => (giveUp = resolve));
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      options.logger.error(
        { err: payload.error, restart: payload.restart, group: options.groupId },
        'consumer crashed',
      );
      // restart=false: kafkajs stopped this consumer and will not run it again.
      if (!payload.restart) giveUp(payload.error);
    });
  }

  /**
   * Connects and subscribes. The subscription's metadata request can meet a topic another
   * service created a moment ago before the broker serves it ("does not host this
   * topic-partition", retriable): that is retried for a while instead of failing the start.
   */
  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    await this.consumer.connect();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.consumer.subscribe({ topics: [...topics], fromBeginning });
        return;
      } catch (error) {
        if (attempt >= SUBSCRIBE_ATTEMPTS || !isRetriableKafkaError(error)) throw error;
        this.options.logger.warn({ err: error, attempt }, 'subscribing failed on a retriable error; retrying');
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  /** A readiness check: ready while the consumer is a member of its group. */
  readiness(name: string): ReadinessProbe {
    return {
      name,
      check: () =>
        this.joined ? Promise.resolve() : Promise.reject(new Error(`not a member of group ${this.options.groupId}`)),
    };
  }

  /** True once a stop began: batch handlers finish the record in hand and take no new work. */
  get stopping(): boolean {
    return this.draining;
  }

  /**
   * Runs one kafkajs batch handler; none starts once stopping. stop waits for those running.
   *
   * kafkajs heartbeats only between batches or when the handler asks, so one handler call
   * longer than the session timeout (a slow dependency, a large document) got the member
   * evicted: its commit then failed and the message was handled again by whoever got the
   * partition. While the batch runs, `heartbeat` (the batch's own) is called every heartbeat
   * interval. Its failure here is ignored: a rebalance it reports also reaches the handler's
   * own heartbeat or commit, which end the batch as kafkajs expects.
   */
  async runBatch(handle: () => Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    if (this.draining) return;
    this.activeBatches += 1;
    const beat = setInterval(() => void heartbeat().catch(() => undefined), this.heartbeatIntervalMs);
    try {
      await handle();
    } finally {
      clearInterval(beat);
      this.activeBatches -= 1;
      if (this.activeBatches === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Stops fetching: no new batches are handed out (the topics are paused). */
  stopFetching(topics: readonly string[]): void {
    this.draining = true;
    try {
      this.consumer.pause(topics.map((topic) => ({ topic })));
    } catch {
      // never ran (a failed start): nothing to pause
    }
  }

  /** Resolves when no batch handler runs any more. */
  async batchesDone(): Promise<void> {
    while (this.activeBatches > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}

/**
 * The offset to resolve and commit once `offset` is done: the batch's last offset when
 * `offset` is its last message, so the position moves past what kafkajs filtered out after
 * it (a transaction's commit marker, aborted records) — as kafkajs's own resolveOffset does
 * for its fetch position. Committing only the message's offset + 1 left a partition whose
 * last record is a marker one behind in its group for good.
 */
export function positionAfter(batch: Pick<Batch, 'messages' | 'lastOffset'>, offset: string): string {
  return batch.messages.at(-1)?.offset === offset ? batch.lastOffset() : offset;
}
