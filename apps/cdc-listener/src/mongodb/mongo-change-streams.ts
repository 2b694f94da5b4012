/**
 * Streams MongoDB change streams (configured collections, or whole databases) to Kafka.
 *
 * Delivery guarantee: a resume token is stored only after Kafka acknowledged every change up
 * to it (ordered-acks.ts), in `<CDC_MONGO_STATE_DATABASE>.resume_tokens`, one document per
 * watched target. A restart resumes after the stored token (`startAfter`), so nothing is
 * lost; changes after it are published again with the same ids. A stored token that fell off
 * the oplog (ChangeStreamHistoryLost) stops the listener with the recovery, never a silent
 * restart from now.
 *
 * The tokens live beside the data they point into: they mean nothing to another deployment,
 * and they fail over with the replica set. A separate database, so a whole-database watch
 * never sees the listener's own writes.
 */
import { ChangeStream, MongoClient, MongoServerError, type Collection } from 'mongodb';
import type { EventPublisher } from '@flowline/messaging';
import type { Component } from '@flowline/service-runtime';
import type { Logger } from '@flowline/telemetry';
import { CdcError, ChangeStreamHistoryLost, MongoNotReplicaSet, ReplicationStreamLost } from '../errors';
import { MongoChange, mongoChangeEvent, tokenText } from './mongo-change';
import { OrderedAcks } from './ordered-acks';

export interface MongoTarget {
  database: string;
  /** Undefined: the whole database. */
  collection: string | undefined;
}

export function targetName(target: MongoTarget): string {
  return `${target.database}.${target.collection ?? '*'}`;
}

export interface MongoChangeStreamsOptions {
  url: string;
  targets: readonly MongoTarget[];
  stateDatabase: string;
  confirmIntervalMs: number;
  maxInFlight: number;
  drainTimeoutMs: number;
  topic: string;
  publisher: EventPublisher;
  logger: Logger;
}

interface StoredToken {
  _id: string;
  token: unknown;
  updatedAt: Date;
}

const CHANGE_STREAM_HISTORY_LOST = 286;
/** "The $changeStream stage is only supported on replica sets". */
const CHANGE_STREAM_NEEDS_REPLICA_SET = 40573;

/** MongoDB's errors at the start of a stream, as errors naming the fix. */
export function translateMongoError(error: unknown, target: string, stateDatabase: string): Error {
  if (error instanceof MongoServerError || (error as { code?: unknown }).code !== undefined) {
    const code = (error as { code?: unknown }).code;
    const message = (error as Error).message;
    if (
      code === CHANGE_STREAM_HISTORY_LOST ||
      /ChangeStreamHistoryLost|resume point may no longer be in the oplog/i.test(message)
    ) {
      return new ChangeStreamHistoryLost(
        `the stored resume token of ${target} is no longer in the oplog: the changes between it and the oldest oplog entry cannot be streamed. Recovery: re-read the data (an export of ${target}), then delete the token to start from now: db.getSiblingDB("${stateDatabase}").resume_tokens.deleteOne({ _id: "${target}" }). A larger oplog (replSetResizeOplog) keeps it from happening again`,
        { cause: error },
      );
    }
    if (code === CHANGE_STREAM_NEEDS_REPLICA_SET || /only supported on replica sets/i.test(message)) {
      return new MongoNotReplicaSet(
        'MongoDB is not a replica set, and change streams need one: start mongod with --replSet rs0 and run rs.initiate() (a one-node replica set is enough), or point MONGODB_URL at a replica set or mongos',
        { cause: error },
      );
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}

const STOP = Symbol('stop');

class WatchedTarget {
  readonly name: string;
  readonly acks = new OrderedAcks<unknown>();
  stream: ChangeStream | undefined;
  stored: string | undefined;
  reading: Promise<void> | undefined;

  constructor(readonly target: MongoTarget) {
    this.name = targetName(target);
  }
}

export class MongoChangeStreams implements Component {
  readonly name = 'mongodb-cdc';
  readonly failed: Promise<Error>;
  private reportFailure!: (error: Error) => void;
  private failure: Error | undefined;
  private readonly client: MongoClient;
  private readonly watched: WatchedTarget[];
  private tokens: Collection<StoredToken> | undefined;
  private streaming = false;
  private stopping = false;
  private stopSignal!: () => void;
  private readonly stopped: Promise<typeof STOP>;
  private confirmTimer: NodeJS.Timeout | undefined;
  private confirming: Promise<void> | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly options: MongoChangeStreamsOptions) {
    this.failed = new Promise((resolve) => (this.reportFailure = resolve));
    this.stopped = new Promise((resolve) => (this.stopSignal = () => resolve(STOP)));
    this.client = new MongoClient(options.url, { serverSelectionTimeoutMS: 10_000, appName: 'flowline-cdc-listener' });
    this.watched = options.targets.map((target) => new WatchedTarget(target));
  }

  readiness(): { name: string; check: () => Promise<void> } {
    return {
      name: 'mongodb-change-streams',
      check: () => (this.streaming ? Promise.resolve() : Promise.reject(new Error('not streaming'))),
    };
  }

  async start(): Promise<void> {
    try {
      await this.client.connect();
      this.tokens = this.client.db(this.options.stateDatabase).collection<StoredToken>('resume_tokens');
      for (const watched of this.watched) await this.open(watched);
    } catch (error) {
      this.stopping = true;
      for (const watched of this.watched) await watched.stream?.close().catch(() => undefined);
      await this.client.close().catch(() => undefined);
      throw error;
    }
    this.streaming = true;
    this.scheduleConfirm();
  }

  /**
   * Opens the target's stream after its stored token and reads what is there now: errors of
   * the resume (history lost, not a replica set) fail the start, before anything is published.
   */
  private async open(watched: WatchedTarget): Promise<void> {
    const { logger, stateDatabase } = this.options;
    const stored = await this.tokens?.findOne({ _id: watched.name });
    watched.stored = stored === null || stored === undefined ? undefined : tokenText(stored.token);
    const options = {
      fullDocument: 'updateLookup' as const,
      ...(stored === null || stored === undefined ? {} : { startAfter: stored.token as never }),
    };
    const { database, collection } = watched.target;
    const stream =
      collection === undefined
        ? this.client.db(database).watch([], options)
        : this.client.db(database).collection(collection).watch([], options);
    watched.stream = stream;
    let first: MongoChange | null;
    try {
      first = await stream.tryNext();
    } catch (error) {
      throw translateMongoError(error, watched.name, stateDatabase);
    }
    logger.info(
      { target: watched.name, resumedAfter: watched.stored ?? null },
      watched.stored === undefined ? 'change stream opened (no stored token: from now)' : 'change stream resumed',
    );
    watched.reading = this.read(watched, first);
  }

  private async read(watched: WatchedTarget, first: MongoChange | null): Promise<void> {
    const stream = watched.stream as ChangeStream;
    let pending = first;
    try {
      for (;;) {
        if (pending !== null) await this.handle(watched, pending);
        if (this.stopping) return;
        const next = stream.next() as Promise<MongoChange>;
        next.catch(() => undefined);
        const result = await Promise.race([next, this.stopped]);
        if (result === STOP) return;
        pending = result;
      }
    } catch (error) {
      if (this.stopping) return;
      this.fail(
        error instanceof CdcError
          ? error
          : new ReplicationStreamLost(`the change stream of ${watched.name} failed: ${(error as Error).message}`, {
              cause: translateMongoError(error, watched.name, this.options.stateDatabase),
            }),
      );
    }
  }

  private async handle(watched: WatchedTarget, change: MongoChange): Promise<void> {
    const { logger, publisher, topic, maxInFlight } = this.options;
    if (change.operationType === 'invalidate') {
      // The collection was dropped or renamed (or the database dropped): this stream has ended.
      // The token is stored once everything before it was acknowledged; a restart continues after it.
      watched.acks.published(change._id)();
      throw new ReplicationStreamLost(
        `the change stream of ${watched.name} was invalidated (the collection or database was dropped or renamed); a restart continues after it`,
      );
    }
    const event = mongoChangeEvent(change, watched.target);
    if (event === undefined) {
      logger.warn(
        { target: watched.name, operationType: change.operationType },
        'change without a document: not published',
      );
      watched.acks.published(change._id)();
      return;
    }
    const acknowledged = watched.acks.published(change._id);
    publisher.publish(topic, event).then(
      () => {
        acknowledged();
        this.wake();
      },
      (error: unknown) =>
        this.fail(
          new ReplicationStreamLost(
            `Kafka did not take a change of ${watched.name} (${(error as Error).message}); its token is not stored`,
            {
              cause: error,
            },
          ),
        ),
    );
    while (watched.acks.inFlight >= maxInFlight && !this.stopping && this.failure === undefined) {
      await Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), this.stopped]);
    }
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private scheduleConfirm(): void {
    this.confirmTimer = setTimeout(() => {
      this.confirming = this.confirm()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not store a resume token'))
        .finally(() => {
          this.confirming = undefined;
          if (!this.stopping) this.scheduleConfirm();
        });
    }, this.options.confirmIntervalMs);
  }

  /**
   * Stores each target's acknowledged token. A target with nothing in flight stores the
   * stream's own token, which MongoDB moves on (post-batch resume token) while the watched
   * collection is quiet, so a quiet stream does not fall behind the oplog.
   */
  private async confirm(): Promise<void> {
    // Every candidate is taken before the first await: between two macrotasks the read loop has
    // either not received a change yet (the stream's token has not moved) or already published
    // it (it is in flight), so a stream's own token never passes an unpublished change.
    const candidates = this.watched.map((watched) => {
      // Once stopping, a read abandoned at the stop may still move the stream's token past a
      // change nobody published: only acknowledged tokens count then.
      const idle = watched.acks.inFlight === 0 && this.failure === undefined && !this.stopping;
      return {
        watched,
        token: idle ? (watched.stream?.resumeToken ?? watched.acks.confirmable) : watched.acks.confirmable,
      };
    });
    for (const { watched, token } of candidates) {
      if (token === undefined || token === null) continue;
      const text = tokenText(token);
      if (text === watched.stored) continue;
      await this.tokens?.updateOne({ _id: watched.name }, { $set: { token, updatedAt: new Date() } }, { upsert: true });
      watched.stored = text;
    }
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.streaming = false;
    this.options.logger.error({ err: error }, 'MongoDB change stream failed');
    this.reportFailure(error);
  }

  /** Stops reading, waits for Kafka's acknowledgements (bounded), stores the tokens, closes. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.streaming = false;
    this.stopSignal();
    clearTimeout(this.confirmTimer);
    await this.confirming;
    for (const watched of this.watched) await watched.reading;
    const deadline = Date.now() + this.options.drainTimeoutMs;
    while (
      this.watched.some((watched) => watched.acks.inFlight > 0) &&
      Date.now() < deadline &&
      this.failure === undefined
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    try {
      await this.confirm();
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'could not store the last resume tokens; changes after the stored ones come again',
      );
    }
    for (const watched of this.watched) await watched.stream?.close().catch(() => undefined);
    await this.client.close().catch(() => undefined);
  }
}
