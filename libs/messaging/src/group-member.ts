/**
 * A kafkajs consumer that is a member of a consumer group, with its membership tracked for
 * `/readyz`, for offset commits (which partitions it holds, and since when) and its batches
 * tracked for a draining stop: shared by the event consumer and the record batch consumer,
 * so both time out a silent member, commit, report readiness and drain the same way.
 *
 * Timing (why these defaults: docs/architecture.md, "Consumer timing and commits"): a member
 * that stops heartbeating is evicted after the session timeout (6 s, the broker's minimum
 * group.min.session.timeout.ms), and the others notice the rebalance at their next heartbeat
 * (every second), so a killed process's partitions move within about 8 s. An orderly stop
 * leaves the group (kafkajs sends LeaveGroup on disconnect), so the others need not wait at all.
 *
 * A broker that goes away (restarted, unreachable) is waited out: kafkajs restarts its consumer
 * after a retriable crash itself, but gives up on some of a lost broker's errors ("Failed to
 * find group coordinator" is non-retriable in kafkajs); those rejoin here, with backoff, until
 * the broker is back. Only any other crash kafkajs will not restart from fails the member.
 */
import type { Batch, Consumer, ConsumerRunConfig, Kafka } from 'kafkajs';
import type { Logger } from '@flowline/telemetry';
import { isBrokerGone } from './errors';
import { CommitGuard, CommitVerdict, OffsetCommitter } from './offset-committer';
import type { ReadinessProbe } from './readiness-probe';
import { isRetriableKafkaError } from './topic-admin';

/** The broker's default group.min.session.timeout.ms: the shortest session it accepts. */
export const DEFAULT_SESSION_TIMEOUT_MS = 6_000;
/**
 * How long the group waits in a rebalance for a live member to rejoin (it does so once the
 * batch in hand ends at its next heartbeat). A member still in one handler call after it is
 * dropped from the generation and rejoins; everyone else waits at most this long.
 */
export const DEFAULT_REBALANCE_TIMEOUT_MS = 30_000;

export interface GroupMemberOptions {
  groupId: string;
  /**
   * How long the group waits for a member that stopped heartbeating before its partitions
   * move (default 6 s). Heartbeats go every sixth of it (at least every 500 ms).
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
/** Backoff between two tries to rejoin after the broker went away. */
const REJOIN_FIRST_DELAY_MS = 500;
const REJOIN_MAX_DELAY_MS = 5_000;

/**
 * The heartbeat interval for a session timeout: six beats per session, so one or two lost
 * or late beats (a GC pause, a slow broker) do not cost the membership, and a rebalance is
 * noticed within one interval (kafkajs learns of it only from a heartbeat or a fetch).
 */
export function heartbeatIntervalFor(sessionTimeoutMs: number): number {
  return Math.max(500, Math.floor(sessionTimeoutMs / 6));
}

/** The partitions of a join's assignment, as `topic:partition` keys. */
function assignedKeys(assignment: Record<string, number[]> | undefined): string[] {
  return Object.entries(assignment ?? {}).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`));
}

export class GroupMember {
  readonly consumer: Consumer;
  /** Settles when kafkajs gave up on this consumer (a crash it will not restart from). */
  readonly failed: Promise<Error>;
  private joined = false;
  private draining = false;
  private activeBatches = 0;
  private readonly idleWaiters: (() => void)[] = [];
  /** How often a running batch heartbeats (also how soon it notices a rebalance). */
  readonly heartbeatIntervalMs: number;
  /**
   * Membership for commits: `epoch` moves on every join and every loss; `heldSince` gives,
   * per partition held now, the epoch since which this member has held it without a break.
   */
  private epoch = 0;
  private memberId: string | undefined;
  private readonly heldSince = new Map<string, number>();
  private rebalancing = false;
  private readonly membershipWaiters: (() => void)[] = [];
  private runConfig: ConsumerRunConfig | undefined;
  private rejoinTimer: NodeJS.Timeout | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: GroupMemberOptions,
  ) {
    const sessionTimeout = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.heartbeatIntervalMs = heartbeatIntervalFor(sessionTimeout);
    // A short fetch wait keeps shutdown quick (disconnect waits for the fetch in flight) and
    // lets an idle member heartbeat, and so notice a rebalance, about every second.
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
      sessionTimeout,
      rebalanceTimeout: Math.max(DEFAULT_REBALANCE_TIMEOUT_MS, sessionTimeout),
      heartbeatInterval: this.heartbeatIntervalMs,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.recordJoin(payload.memberId, payload.memberAssignment);
      options.onJoin?.();
    });
    // kafkajs saw a rebalance and is rejoining: until it has, nothing may be committed (the
    // next generation may not give this member the partition).
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      this.rebalancing = true;
    });
    for (const lost of [this.consumer.events.CRASH, this.consumer.events.DISCONNECT, this.consumer.events.STOP]) {
      this.consumer.on(lost, () => {
        this.joined = false;
        this.recordLoss();
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
      // restart=false: kafkajs stopped (and disconnected) this consumer and will not run it again.
      if (payload.restart || this.draining) {
        options.logger.error(
          { err: payload.error, restart: payload.restart, group: options.groupId },
          'consumer crashed',
        );
      } else if (isBrokerGone(payload.error) && this.runConfig !== undefined) {
        options.logger.warn(
          { err: payload.error, group: options.groupId },
          'the consumer lost the broker; rejoining the group when it is back',
        );
        this.rejoin(this.runConfig, REJOIN_FIRST_DELAY_MS);
      } else {
        options.logger.error({ err: payload.error, restart: false, group: options.groupId }, 'consumer crashed');
        giveUp(payload.error);
      }
    });
  }

  /** Runs the consumer (kafkajs's run); the same configuration runs again after a rejoin. */
  async run(config: ConsumerRunConfig): Promise<void> {
    this.runConfig = config;
    await this.consumer.run(config);
  }

  /** Connects and runs the consumer again after `delayMs`, and again with a longer delay while that fails. */
  private rejoin(config: ConsumerRunConfig, delayMs: number): void {
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = undefined;
      if (this.draining) return;
      this.consumer
        .connect()
        .then(async () => {
          if (this.draining) return;
          await this.consumer.run(config);
          this.options.logger.info({ group: this.options.groupId }, 'the consumer is running again');
        })
        .catch((error: unknown) => {
          if (this.draining) return;
          this.options.logger.warn({ err: error, group: this.options.groupId }, 'rejoining failed; trying again');
          this.rejoin(config, Math.min(delayMs * 2, REJOIN_MAX_DELAY_MS));
        });
    }, delayMs);
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

  /**
   * An offset committer for this member's partitions (offset-committer.ts): a request made
   * while the member held the partition is sent only if it has held it without a break since.
   */
  offsetCommitter(): OffsetCommitter {
    const { logger, groupId } = this.options;
    return new OffsetCommitter(
      (commit) => this.consumer.commitOffsets([commit]),
      (error, { topic, partition, offset }) =>
        logger.warn(
          { err: error, topic, partition, offset, group: groupId },
          'offset commit failed; a later commit or a redelivery covers it',
        ),
      this.commitGuard(),
      ({ topic, partition, offset }) =>
        logger.debug(
          { topic, partition, offset, group: groupId },
          'offset commit dropped: the partition was reassigned since it was requested',
        ),
    );
  }

  /** The membership check of this member's commits (the committer's guard; offset-committer.ts). */
  commitGuard(): CommitGuard {
    return {
      stamp: () => this.epoch,
      verdict: (topic, partition, stamp) => this.commitVerdict(topic, partition, stamp),
      changed: () => new Promise<void>((resolve) => this.membershipWaiters.push(resolve)),
    };
  }

  private commitVerdict(topic: string, partition: number, stamp: number): CommitVerdict {
    if (this.rebalancing) return 'wait';
    const since = this.heldSince.get(`${topic}:${partition}`);
    return since !== undefined && since <= stamp ? 'send' : 'drop';
  }

  /**
   * A join keeps a partition's `heldSince` only when the member id is unchanged (kafkajs gets
   * a new one after an eviction or a restart of the consumer) and the partition was held in
   * the previous generation too: with kafkajs's eager rebalancing, no one else held it in between.
   */
  private recordJoin(memberId: string | undefined, assignment: Record<string, number[]> | undefined): void {
    this.epoch += 1;
    const continuing = memberId !== undefined && memberId === this.memberId;
    const held = new Map<string, number>();
    for (const key of assignedKeys(assignment)) {
      const since = continuing ? this.heldSince.get(key) : undefined;
      held.set(key, since ?? this.epoch);
    }
    this.heldSince.clear();
    for (const [key, since] of held) this.heldSince.set(key, since);
    this.memberId = memberId;
    this.membershipChanged();
  }

  /** Stopped, crashed or disconnected: nothing held any more, and the next join is a new member. */
  private recordLoss(): void {
    this.epoch += 1;
    this.heldSince.clear();
    this.memberId = undefined;
    this.membershipChanged();
  }

  private membershipChanged(): void {
    this.rebalancing = false;
    for (const wake of this.membershipWaiters.splice(0)) wake();
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
    clearTimeout(this.rejoinTimer);
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
