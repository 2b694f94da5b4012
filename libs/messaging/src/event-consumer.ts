/**
 * The consumer runtime. Guarantees, in order of importance:
 *
 * 1. Nothing is lost: a message's offset is committed only after its handler succeeded
 *    and every event the handler published was acknowledged (or, in transactional mode,
 *    committed in the same Kafka transaction as the offset). A crash redelivers.
 * 2. Failures are bounded: a retryable failure is retried with exponential backoff and
 *    jitter. While it waits, its partition is paused — not the fetch loop — so other
 *    partitions keep moving. After `maxAttempts`, or at once for a non-retryable error or
 *    an event that cannot be decoded, the message goes to `<topic>.dlq` with the reason.
 *    A failure that says a dependency is not there (a refused connection, PostgreSQL
 *    shutting down: isDependencyUnavailable) spends no attempts: the partition waits, retrying
 *    every few seconds, until the dependency is back — an outage is not the event's fault.
 * 3. A poison pill (a message that crashes the process) is detected across restarts and
 *    dead-lettered (see poison-guard.ts).
 * 4. Order: one partition's messages are handled one after another.
 *
 * Events a handler publishes through its context are held until the handler returns, so
 * a failed attempt publishes nothing and a retry does not duplicate its output.
 */
import { KeyPartitioner } from './key-partitioner';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer, Transaction } from 'kafkajs';
import {
  decodeEvent,
  encodeEvent,
  EventDecodingError,
  FlowlineEvent,
  KafkaRecord,
  lastHeaderValues,
  toBinaryMode,
  topicNames,
} from '@flowline/event-schemas';
import {
  extractTraceContext,
  getTracer,
  injectTraceHeaders,
  Logger,
  MESSAGING_SYSTEM_KAFKA,
  MessagingAttribute,
  MessagingOperation,
  ServiceMetrics,
  withLogContext,
} from '@flowline/telemetry';
import { deadLetterRecordHeaders } from './dead-letter';
import { isDependencyUnavailable, isRetryable, PoisonPill } from './errors';
import { countPerTopicAndType } from './event-counts';
import { EventPublisher, OutgoingMessage, OutgoingRecord, recordBytes } from './event-publisher';
import { GroupMember, positionAfter, SkippedRecords } from './group-member';
import { HandlerGate } from './handler-gate';
import type { OffsetCommitter } from './offset-committer';
import { decideFirstMessage, formatMarker, parseMarker, PoisonMarker } from './poison-guard';
import type { ReadinessProbe } from './readiness-probe';
import { DEFAULT_RETRY_POLICY, retryDelayMs, RetryPolicy } from './retry-policy';
import { ensureTopics, TopicSpec } from './topic-admin';

export interface HandlerContext {
  topic: string;
  partition: number;
  offset: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Publishes an event caused by this one; sent only if the handler succeeds, before the offset is committed. */
  publish(topic: string, event: FlowlineEvent): void;
  /**
   * Sends the message being handled on to another topic byte for byte (a router's job):
   * its schema version and attributes stay as the producer wrote them, so a consumer
   * that reads only an older version is not handed this process's newer one.
   */
  forward(topic: string): void;
}

export type EventHandler = (event: FlowlineEvent, context: HandlerContext) => Promise<void>;

export interface EventConsumerOptions {
  groupId: string;
  topics: readonly string[];
  handle: EventHandler;
  logger: Logger;
  metrics?: ServiceMetrics;
  /** Sends what handlers publish and dead letters (non-transactional mode). */
  publisher: EventPublisher;
  /**
   * Consume→produce in Kafka transactions: the events a batch's handlers publish and the
   * batch's offsets commit atomically, so a crash can neither lose nor duplicate output
   * (readers use read_committed). For stages whose only effect is new events.
   */
  transactional?: boolean;
  retry?: Partial<RetryPolicy>;
  /** Partitions handled at the same time (default 3). */
  partitionsConcurrently?: number;
  /** Handler starts that may crash the process before the message is dead-lettered (default 3). */
  maxCrashStarts?: number;
  /**
   * How long the group waits for a member that stopped heartbeating before its partitions
   * move (default 6 s, the broker's minimum). Lower means a crashed process's partitions are
   * taken over sooner, at the risk of evicting a member that paused (a long GC) for that long.
   */
  sessionTimeoutMs?: number;
  /** Settings of the `<topic>.dlq` topics the consumer creates (default: 1 partition, broker retention). */
  deadLetterTopic?: Omit<TopicSpec, 'name'>;
  /** Read from the beginning when the group has no committed offset (default true: nothing published before the first start is skipped). */
  fromBeginning?: boolean;
}

type Output = OutgoingMessage;

interface Outcome {
  published: Output[];
  /** The event's type when its handler succeeded (counted in events consumed once settled); unset for a dead letter. */
  handledType?: string;
}

/** The longest wait between two tries while a dependency is unavailable, so its return is noticed soon. */
export const UNAVAILABLE_MAX_DELAY_MS = 5_000;

type Attempt = { kind: 'done'; outcome: Outcome } | { kind: 'retry'; delayMs: number };

interface Handled {
  message: KafkaMessage;
  outcome: Outcome;
}

/** Below the broker's default 1 MiB message.max.bytes, with room for request overhead. */
const MAX_REQUEST_BYTES = 512 * 1024;
const COMMIT_EVERY_MS = 1_000;

export class EventConsumer {
  readonly name: string;
  private readonly member: GroupMember;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly retry: RetryPolicy;
  private readonly transactionalProducers = new Map<string, Producer>();
  /** Partitions whose first batch since assignment has been checked for a crash marker. */
  private readonly checked = new Set<string>();
  /** Partitions being handled carefully, with the crash marker of their first message. */
  private readonly careful = new Map<string, PoisonMarker>();
  private readonly gate = new HandlerGate();
  /** Failed attempts of messages waiting for a retry, by topic:partition:offset (this process only). */
  private readonly failures = new Map<string, { attempts: number; firstFailure: Date }>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  /**
   * Offset commits, coalesced per partition (offset-committer.ts). Settling awaits the
   * outputs, not the commit: a commit costs a round trip per partition, and waiting for it
   * inside the fetch cycle doubled one-hop latency. Markers (which must be durable before a
   * handler starts) and stop() await it.
   */
  private readonly committer: OffsetCommitter;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: EventConsumerOptions,
  ) {
    this.name = `kafka-consumer:${options.groupId}`;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.member = new GroupMember(kafka, {
      groupId: options.groupId,
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
      logger: options.logger,
      onJoin: () => {
        // A new generation may hand us partitions another member was handling when it died.
        this.checked.clear();
        // Attempt counts are this process's memory of partitions it may no longer own; after a
        // rebalance they start again (still bounded by maxAttempts).
        this.failures.clear();
        this.careful.clear();
      },
      onSkipped: (skipped) => this.commitSkipped(skipped),
    });
    this.consumer = this.member.consumer;
    this.admin = kafka.admin();
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

  /**
   * Commits past records no handler sees (transaction markers, aborted records) that came
   * on their own: the partition's earlier messages were settled before kafkajs fetched
   * these, and the committer keeps the order of a partition's commits. Not in transactional
   * mode: a plain commit there could land after a later transaction's offsets (a retried
   * request, a rebalance) and move the group back, so outputs would be made twice; there the
   * offsets move past such records with the next transaction (the lag after an aborted
   * transaction shows until the next message).
   */
  private commitSkipped({ topic, partition, next, lag }: SkippedRecords): void {
    this.options.metrics?.consumerLag.set({ topic, partition: String(partition), group: this.options.groupId }, lag);
    if (this.options.transactional !== true)
      void this.committer.commit({ topic, partition, offset: next, metadata: null });
  }

  async start(): Promise<void> {
    // The dead-letter topics must exist before the first bad message, not be created by it.
    const spec = this.options.deadLetterTopic ?? { partitions: 1 };
    await ensureTopics(
      this.kafka,
      this.options.topics.map((topic) => ({ ...spec, name: topicNames().deadLetter(topic) })),
    );
    await this.admin.connect();
    await this.member.subscribe(this.options.topics, this.options.fromBeginning ?? true);
    await this.member.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 3,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /**
   * Stops fetching, lets the batches in hand finish their current message and settle,
   * then leaves the group. The drain happens before `disconnect()`: once kafkajs is told to
   * stop, it silently drops offset commits, and the drained work would be redelivered.
   */
  async stop(): Promise<void> {
    this.member.stopFetching(this.options.topics);
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    await this.member.batchesDone();
    await this.committer.idle();
    await this.consumer.disconnect();
    await Promise.all([...this.transactionalProducers.values()].map((producer) => producer.disconnect()));
    this.transactionalProducers.clear();
    await this.admin.disconnect();
  }

  private handleBatch(payload: EachBatchPayload): Promise<void> {
    return this.member.runBatch(
      () => this.handleMessages(payload),
      () => payload.heartbeat(),
    );
  }

  private async handleMessages(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const partitionKey = `${topic}:${partition}`;
    this.options.metrics?.consumerLag.set(
      { topic, partition: String(partition), group: this.options.groupId },
      Number(batch.offsetLag()),
    );
    let messages = batch.messages;
    /** The crash marker written for this batch's first message in normal mode, to undo if it only failed. */
    let firstMarker: PoisonMarker | undefined;
    if (!this.checked.has(partitionKey) && messages.length > 0) {
      this.checked.add(partitionKey);
      // In transactional mode, fence first: a previous owner still alive (evicted, not dead)
      // must not commit after we read where to start.
      if (this.options.transactional === true) await this.fence(topic, partition);
      // Our own commits still on the wire (from before a rebalance) must land first, or the
      // position and crash marker read here are older than what this process already did.
      await this.committer.settled(topic, partition);
      const committed = await this.committedPosition(topic, partition);
      const alreadyDone = messages.filter(
        (message) => committed.offset !== undefined && BigInt(message.offset) < committed.offset,
      );
      if (alreadyDone.length > 0) {
        payload.resolveOffset((alreadyDone.at(-1) as KafkaMessage).offset);
        messages = messages.slice(alreadyDone.length);
      }
      const first = messages[0];
      if (first === undefined) return;
      const decision = decideFirstMessage(committed.marker, first.offset, this.options.maxCrashStarts ?? 3);
      if (decision.kind === 'poison') {
        const poison = new PoisonPill(`handling this message crashed the process ${decision.starts} times`);
        const now = new Date();
        await this.settle(payload, [
          {
            message: first,
            outcome: { published: [this.deadLetter(topic, partition, first, poison, decision.starts, now, now)] },
          },
        ]);
        messages = messages.slice(1);
        this.careful.set(partitionKey, { offset: messages[0]?.offset ?? '', starts: 1 });
      } else if (decision.kind === 'careful') {
        this.careful.set(partitionKey, decision.marker);
      } else {
        await this.writeMarker(topic, partition, decision.marker);
        firstMarker = decision.marker;
      }
    }

    // Handled messages whose output and offsets are not settled yet: settled together, at
    // the end of the batch or every COMMIT_EVERY_MS, in one commit (or one transaction).
    // An offset is resolved (kafkajs's fetch position) only once settled, so a failure
    // anywhere makes kafkajs fetch the unsettled messages again.
    let pending: Handled[] = [];
    let lastCommit = Date.now();
    let lastHeartbeat = Date.now();
    let completed = true;
    for (const message of messages) {
      if (!payload.isRunning() || this.member.stopping) {
        completed = false;
        break;
      }
      const careful = this.careful.get(partitionKey);
      let result: Attempt;
      if (careful !== undefined) {
        result = await this.gate.exclusive(async () => {
          const marker = { offset: message.offset, starts: careful.offset === message.offset ? careful.starts : 1 };
          await this.writeMarker(topic, partition, marker);
          const attempt = await this.attempt(topic, partition, message);
          if (attempt.kind === 'done') await this.settle(payload, [{ message, outcome: attempt.outcome }]);
          // It failed, but it did not crash us: this start must not count as a crash.
          else await this.undoMarker(topic, partition, marker);
          return attempt;
        });
      } else {
        result = await this.gate.shared(() => this.attempt(topic, partition, message));
        if (result.kind === 'done') pending.push({ message, outcome: result.outcome });
      }
      if (result.kind === 'retry') {
        // Retry later without holding the fetch loop: pause this partition only, so the
        // others keep moving; the failed message is not resolved and is fetched again.
        await this.settle(payload, pending);
        if (pending.length === 0 && firstMarker?.offset === message.offset)
          await this.undoMarker(topic, partition, firstMarker);
        if (!this.member.stopping) this.pauseFor(payload, result.delayMs);
        return;
      }
      if (Date.now() - lastCommit >= COMMIT_EVERY_MS) {
        await this.settle(payload, pending);
        pending = [];
        lastCommit = Date.now();
      }
      // Also how the batch learns of a rebalance and ends, so the member rejoins promptly.
      if (Date.now() - lastHeartbeat >= this.member.heartbeatIntervalMs) {
        await payload.heartbeat();
        lastHeartbeat = Date.now();
      }
    }
    await this.settle(payload, pending);
    // A careful batch that ran to its end pinned nothing down: back to normal handling.
    if (completed) this.careful.delete(partitionKey);
  }

  private pauseFor(payload: EachBatchPayload, delayMs: number): void {
    const resume = payload.pause();
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      if (!this.member.stopping) resume();
    }, delayMs);
    timer.unref();
    this.resumeTimers.add(timer);
  }

  /** Decodes and handles one message once: done (handled or dead-lettered), or retry after a delay. */
  private async attempt(topic: string, partition: number, message: KafkaMessage): Promise<Attempt> {
    let event: FlowlineEvent;
    // A structured-mode record (a third-party producer's) is read, traced and forwarded as the
    // binary-mode record of the same event, like every Flowline record; a dead letter keeps it as it came.
    let record: KafkaRecord;
    try {
      record = toBinaryMode({ key: message.key, value: message.value, headers: message.headers ?? {} });
      event = decodeEvent(record);
    } catch (error) {
      if (!(error instanceof EventDecodingError)) throw error;
      const now = new Date();
      return { kind: 'done', outcome: { published: [this.deadLetter(topic, partition, message, error, 1, now, now)] } };
    }
    // Most messages never failed before: no key to build and look up while nothing waits to be retried.
    const previous =
      this.failures.size === 0 ? undefined : this.failures.get(failureKey(topic, partition, message.offset));
    const attempt = (previous?.attempts ?? 0) + 1;
    const published: Output[] = [];
    const started = performance.now();
    // The handler runs in a `process <topic>` span whose parent is the producer's context
    // from the message headers, so one trace follows the event across services; what it
    // publishes carries this span's context on.
    const parent = extractTraceContext(
      record.headers === message.headers ? (message.headers ?? {}) : lastHeaderValues(record.headers),
    );
    const span = getTracer().startSpan(`process ${topic}`, { kind: SpanKind.CONSUMER }, parent);
    // Attributes only for a span that records them: without a tracing SDK (or sampled out) they would be built and dropped per event.
    if (span.isRecording()) {
      span.setAttributes({
        [MessagingAttribute.system]: MESSAGING_SYSTEM_KAFKA,
        [MessagingAttribute.destinationName]: topic,
        [MessagingAttribute.destinationPartitionId]: String(partition),
        [MessagingAttribute.kafkaOffset]: Number(message.offset),
        [MessagingAttribute.messageId]: event.id,
        [MessagingAttribute.consumerGroupName]: this.options.groupId,
        [MessagingAttribute.operationType]: MessagingOperation.process,
      });
    }
    const spanContext = trace.setSpan(parent, span);
    try {
      await context.with(spanContext, () =>
        withLogContext({ correlationid: event.correlationid, event_id: event.id }, () =>
          this.options.handle(event, {
            topic,
            partition,
            offset: message.offset,
            attempt,
            // Outputs carry this span's context on; each output's headers are a fresh object, written in place.
            publish: (to, caused) => {
              const record = encodeEvent(caused);
              injectTraceHeaders(record.headers, spanContext);
              published.push({ topic: to, record, type: caused.type, traced: true });
            },
            forward: (to) => {
              const headers = injectTraceHeaders(lastHeaderValues(record.headers), spanContext);
              published.push({
                topic: to,
                record: { key: record.key, value: record.value, headers },
                type: event.type,
                traced: true,
              });
            },
          }),
        ),
      );
      span.end();
      if (previous !== undefined) this.failures.delete(failureKey(topic, partition, message.offset));
      this.options.metrics?.handlerDuration.observe({ topic, type: event.type }, (performance.now() - started) / 1_000);
      return { kind: 'done', outcome: { published, handledType: event.type } };
    } catch (error) {
      span.recordException(error instanceof Error ? error : new Error(String(error)));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      span.end();
      const now = new Date();
      const firstFailure = previous?.firstFailure ?? now;
      this.options.metrics?.handlerErrors.inc({
        topic,
        type: event.type,
        error: error instanceof Error ? error.name : 'Error',
      });
      const key = failureKey(topic, partition, message.offset);
      const unavailable = isRetryable(error) && isDependencyUnavailable(error);
      if (!unavailable && (!isRetryable(error) || attempt >= this.retry.maxAttempts)) {
        this.failures.delete(key);
        this.eventLogger(event, topic, partition, message).error(
          { err: error, attempt },
          'handler failed for good; sending the event to the dead-letter topic',
        );
        return {
          kind: 'done',
          outcome: { published: [this.deadLetter(topic, partition, message, error, attempt, firstFailure, now)] },
        };
      }
      this.failures.set(key, { attempts: attempt, firstFailure });
      const delayMs = unavailable
        ? retryDelayMs(attempt, {
            ...this.retry,
            maxDelayMs: Math.min(this.retry.maxDelayMs, UNAVAILABLE_MAX_DELAY_MS),
          })
        : retryDelayMs(attempt, this.retry);
      this.eventLogger(event, topic, partition, message).warn(
        { err: error, attempt, retry_in_ms: delayMs },
        unavailable ? 'a dependency is unavailable; retrying until it is back' : 'handler failed; retrying',
      );
      this.options.metrics?.retries.inc({ topic, type: event.type });
      return { kind: 'retry', delayMs };
    }
  }

  /** A logger naming the event; built only on failure (a child logger per message would cost more than the rest of the bookkeeping). */
  private eventLogger(event: FlowlineEvent, topic: string, partition: number, message: KafkaMessage): Logger {
    return this.options.logger.child({
      event_id: event.id,
      correlationid: event.correlationid,
      type: event.type,
      topic,
      partition,
      offset: message.offset,
    });
  }

  private deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
    firstFailure: Date,
    lastFailure: Date,
  ): Output {
    // The original headers with their secrets redacted (dead-letter.ts), and why it failed.
    const headers: Record<string, string | Buffer | undefined> = deadLetterRecordHeaders(message.headers, {
      error,
      attempts,
      topic,
      partition,
      offset: message.offset,
      consumerGroup: this.options.groupId,
      firstFailure,
      lastFailure,
    });
    const errorClass = error instanceof Error ? error.name : 'Error';
    this.options.metrics?.dlqWrites.inc({
      topic,
      type: String(headers['ce_type'] ?? 'unknown'),
      reason_class: errorClass,
    });
    return {
      topic: topicNames().deadLetter(topic),
      record: { key: message.key, value: message.value, headers },
      type: 'dead-letter',
    };
  }

  /**
   * Sends what the handled messages published, then commits past the last of them — or,
   * in transactional mode, both in one Kafka transaction — and only then resolves the
   * offset for kafkajs's fetch position.
   */
  private async settle(payload: EachBatchPayload, handled: readonly Handled[]): Promise<void> {
    const last = handled.at(-1);
    if (last === undefined) return;
    const { topic, partition } = payload.batch;
    const outputs = handled.flatMap(({ outcome }) => outcome.published);
    const position = positionAfter(payload.batch, last.message.offset);
    const next = nextOffset(position);
    if (this.options.transactional === true) {
      await this.commitTransaction(topic, partition, outputs, next);
    } else {
      await this.options.publisher.publishRecords(outputs);
      void this.commit(topic, partition, next, null);
    }
    payload.resolveOffset(position);
    // Events whose handler succeeded and whose outputs are settled.
    countPerTopicAndType(this.options.metrics?.eventsConsumed, handled, ({ outcome }) => ({
      topic,
      type: outcome.handledType,
    }));
  }

  private async commitTransaction(
    topic: string,
    partition: number,
    outputs: readonly Output[],
    nextOffsetToRead: string,
  ): Promise<void> {
    const producer = await this.transactionalProducer(topic, partition);
    try {
      const transaction: Transaction = await producer.transaction();
      try {
        // One request per chunk: a batch's outputs together can exceed the broker's 1 MiB limit.
        for (const chunk of chunksOf(outputs, MAX_REQUEST_BYTES))
          await transaction.sendBatch({ acks: -1, topicMessages: groupByTopic(chunk) });
        await transaction.sendOffsets({
          consumerGroupId: this.options.groupId,
          topics: [{ topic, partitions: [{ partition, offset: nextOffsetToRead }] }],
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      // A failed or fenced transactional producer cannot be reused: the next settle (after
      // kafkajs fetches the unsettled messages again) starts with a fresh one.
      await this.dropTransactionalProducer(topic, partition);
      throw error;
    }
    countPerTopicAndType(this.options.metrics?.eventsProduced, outputs, (out) => out);
  }

  /**
   * One transactional producer per input partition, with an id derived from it: when the
   * partition moves to another process (or this one restarts), the new owner's producer
   * with the same id fences the old one and aborts its open transaction.
   */
  private async transactionalProducer(topic: string, partition: number): Promise<Producer> {
    const id = this.transactionalId(topic, partition);
    let producer = this.transactionalProducers.get(id);
    if (producer === undefined) {
      producer = this.kafka.producer({
        transactionalId: id,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: KeyPartitioner,
        allowAutoTopicCreation: false,
        retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
      });
      await producer.connect();
      this.transactionalProducers.set(id, producer);
    }
    return producer;
  }

  private transactionalId(topic: string, partition: number): string {
    return `${this.options.groupId}.${topic}.${partition}`;
  }

  private async dropTransactionalProducer(topic: string, partition: number): Promise<void> {
    const id = this.transactionalId(topic, partition);
    const producer = this.transactionalProducers.get(id);
    this.transactionalProducers.delete(id);
    await producer?.disconnect().catch(() => undefined);
  }

  /**
   * Takes the partition's transactional id: a new producer initialises it (kafkajs does so
   * on its first transaction), which bumps the epoch, fences any earlier holder and
   * completes its open transaction — before we read the committed offset.
   */
  private async fence(topic: string, partition: number): Promise<void> {
    await this.dropTransactionalProducer(topic, partition);
    const producer = await this.transactionalProducer(topic, partition);
    const transaction = await producer.transaction();
    await transaction.abort();
  }

  /** The group's committed offset for the partition (undefined: none yet) and its crash marker. */
  private async committedPosition(
    topic: string,
    partition: number,
  ): Promise<{ offset: bigint | undefined; marker: PoisonMarker | undefined }> {
    const [offsets] = await this.admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] });
    const committed = offsets?.partitions.find((p) => p.partition === partition);
    const offset = committed === undefined || Number(committed.offset) < 0 ? undefined : BigInt(committed.offset);
    return { offset, marker: parseMarker(committed?.metadata) };
  }

  private writeMarker(topic: string, partition: number, marker: PoisonMarker): Promise<void> {
    return this.commit(topic, partition, marker.offset, formatMarker(marker));
  }

  /** Takes back one start of a marker: the handler returned, so that start did not crash the process. */
  private undoMarker(topic: string, partition: number, marker: PoisonMarker): Promise<void> {
    const previous = marker.starts - 1;
    return this.commit(
      topic,
      partition,
      marker.offset,
      previous > 0 ? formatMarker({ offset: marker.offset, starts: previous }) : null,
    );
  }

  private commit(topic: string, partition: number, offset: string, metadata: string | null): Promise<void> {
    return this.committer.commit({ topic, partition, offset, metadata });
  }
}

function failureKey(topic: string, partition: number, offset: string): string {
  return `${topic}:${partition}:${offset}`;
}

function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

function groupByTopic(outputs: readonly Output[]): { topic: string; messages: OutgoingRecord[] }[] {
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const out of outputs) {
    const messages = byTopic.get(out.topic) ?? [];
    messages.push(out.record);
    byTopic.set(out.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function chunksOf(outputs: readonly Output[], maxBytes: number): Output[][] {
  const chunks: Output[][] = [];
  let current: Output[] = [];
  let bytes = 0;
  for (const out of outputs) {
    const size = recordBytes(out.record);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(out);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
