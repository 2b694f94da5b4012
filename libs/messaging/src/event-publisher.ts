/**
 * Publishes Flowline events through one idempotent producer (acks=all). Concurrent
 * `publish` calls are coalesced: while one batch is on the wire, new calls queue, and
 * the next batch carries all of them in one request, so a gateway's per-request publish
 * is not one round trip each. Each caller is resolved only after the broker acknowledged
 * the batch holding its message: callers may acknowledge their own input then, not before.
 *
 * Back-pressure, not buffering: at most `maxQueued` messages wait; further callers wait
 * for room. Batches go out one at a time, in call order, which keeps per-partition order.
 *
 * A broker that goes away (kafkajs gives up on "Connection error" after its own retries)
 * holds the batch in hand, sent again with backoff until the broker is back, and every later
 * one behind it: callers wait, order is kept, nothing is rejected for an outage. A batch
 * written but not acknowledged before the connection dropped is then written twice, under
 * the same event ids. Publishers with a delivery timeout (the gateway) reject instead.
 */
import { KeyPartitioner } from './key-partitioner';
import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Kafka, Message, Producer } from 'kafkajs';
import { encodeEvent, FlowlineEvent } from '@flowline/event-schemas';
import {
  getTracer,
  injectTraceHeaders,
  MESSAGING_SYSTEM_KAFKA,
  MessagingAttribute,
  MessagingOperation,
  ServiceMetrics,
} from '@flowline/telemetry';
import { countPerTopicAndType } from './event-counts';
import { isBrokerGone, PublishTimeout } from './errors';
import type { ReadinessProbe } from './readiness-probe';

export interface PublisherOptions {
  /** Messages per produce request at most (default 1,000). */
  maxBatchSize?: number;
  /**
   * Bytes (keys, values, headers) per produce request at most (default 512 KiB), below the
   * broker's 1 MiB message.max.bytes so coalescing never turns valid small messages into
   * one rejected oversized batch. A single larger message still goes alone.
   */
  maxBatchBytes?: number;
  /** Messages waiting for a batch at most before `publish` callers wait (default 10,000). */
  maxQueued?: number;
  /**
   * How long a message may wait to be sent (default: no limit). A message still queued, or
   * still waiting for room, at its deadline is dropped — never written — and its caller
   * rejected with `PublishTimeout`; only a batch already on the wire can land after that.
   * The gateway sets it to its answer time, so a 503 almost always means "not written" and
   * a sender's retry does not add a second copy.
   */
  deliveryTimeoutMs?: number;
}

/** A record as it goes on the wire: a Flowline event encoded, or a dead letter kept byte for byte. */
export interface OutgoingRecord {
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers: Record<string, string | Buffer | undefined>;
}

/** One record for `publishRecords`. */
export interface OutgoingMessage {
  topic: string;
  record: OutgoingRecord;
  /** The event type, for the produced-events metric. */
  type: string;
  /** The CloudEvent id, recorded on the send span. */
  eventId?: string;
  /**
   * The headers already carry the trace context the record should travel with (a handler's
   * output carries its `process` span's), or none because tracing is off: no `send` span.
   */
  traced?: boolean;
}

/** The longest wait before sending a batch again while the broker is gone. */
const BROKER_GONE_MAX_DELAY_MS = 5_000;

interface Pending {
  topic: string;
  message: Message;
  bytes: number;
  type: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class EventPublisher {
  readonly name = 'kafka-publisher';
  private readonly producer: Producer;
  private readonly maxBatchSize: number;
  private readonly maxBatchBytes: number;
  private readonly maxQueued: number;
  private readonly deliveryTimeoutMs: number | undefined;
  private readonly queue: Pending[] = [];
  /** Callers waiting for room, in arrival order; a woken caller has a slot reserved. */
  private readonly roomWaiters: (() => void)[] = [];
  private reserved = 0;
  private inFlight: Promise<void> | undefined;
  private connected = false;
  private stopped = false;

  constructor(
    kafka: Kafka,
    private readonly metrics?: ServiceMetrics,
    options: PublisherOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 1_000;
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs;
    // An idempotent producer must retry without limit, or a give-up-then-resend could write a
    // duplicate the broker cannot recognise; callers bound their wait instead (the gateway
    // answers 503 after PUBLISH_TIMEOUT_MS; a consumer stage simply stops making progress).
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: KeyPartitioner,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /** Waits for every queued message to be acknowledged, then disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.inFlight !== undefined || this.queue.length > 0) {
      this.flush();
      await this.inFlight?.catch(() => undefined);
    }
    await this.producer.disconnect();
    this.connected = false;
  }

  /** A readiness check: ready while the producer is connected. */
  readiness(): ReadinessProbe {
    return {
      name: this.name,
      check: () => (this.connected ? Promise.resolve() : Promise.reject(new Error('producer not connected'))),
    };
  }

  /** Resolves once the broker acknowledged the event (acks=all). */
  publish(topic: string, event: FlowlineEvent): Promise<void> {
    return this.publishRecord(topic, encodeEvent(event), event.type, event.id);
  }

  /**
   * Publishes a record as given (a dead letter keeps the original bytes and adds headers).
   * A record without trace context gets a `send <topic>` span, child of the caller's
   * context, whose `traceparent` travels in the headers; a record that already carries
   * one (an output of a handler, a dead letter) keeps it.
   */
  publishRecord(topic: string, record: OutgoingRecord, type: string, eventId?: string): Promise<void> {
    return this.publishRecords([{ topic, record, type, ...(eventId === undefined ? {} : { eventId }) }]);
  }

  /**
   * Publishes records in the given order, as `publishRecord` does each; resolves once the
   * broker acknowledged every one of them, rejects with the first failure. One promise for
   * the lot: a consumer settling a batch of outputs does not pay one per record.
   */
  async publishRecords(outgoing: readonly OutgoingMessage[]): Promise<void> {
    if (outgoing.length === 0) return;
    if (this.stopped) throw new Error('publisher stopped: no new messages are accepted');
    let resolveAll!: () => void;
    let rejectAll!: (error: Error) => void;
    let failed = false;
    const acknowledged = new Promise<void>((resolve, reject) => {
      resolveAll = resolve;
      rejectAll = (error) => {
        failed = true;
        reject(error);
      };
    });
    // A batch holding the first records can fail while the rest of the group waits for room,
    // before the caller holds the promise: that must not surface as an unhandled rejection.
    acknowledged.catch(() => undefined);
    let left = outgoing.length;
    const resolve = (): void => {
      left -= 1;
      if (left === 0) resolveAll();
    };
    const queued: Pending[] = [];
    let expired = false;
    /** Set while this group waits for room: an expiry wakes it, so the call returns. */
    let waitingForRoom: (() => void) | undefined;
    const expiry =
      this.deliveryTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            expired = true;
            const waiter = this.roomWaiters.indexOf(waitingForRoom ?? (() => undefined));
            if (waiter !== -1) {
              // Woken as a flush would wake it (a reserved slot), so its own bookkeeping stays right.
              this.roomWaiters.splice(waiter, 1);
              this.reserved += 1;
              waitingForRoom?.();
            }
            const onTheWire = this.dropQueued(queued);
            rejectAll(
              new PublishTimeout(
                onTheWire
                  ? `not acknowledged within ${this.deliveryTimeoutMs} ms: records already sent may still be written`
                  : `not sent within ${this.deliveryTimeoutMs} ms: dropped, never written`,
              ),
            );
          }, this.deliveryTimeoutMs);
    expiry?.unref();
    void acknowledged.finally(() => clearTimeout(expiry)).catch(() => undefined);
    for (const out of outgoing) {
      // A group that already failed queues no more of its records: the caller sees the failure and retries the lot.
      if (failed) break;
      // First come, first served: a caller that finds others waiting waits behind them.
      if (this.roomWaiters.length > 0 || this.queue.length + this.reserved >= this.maxQueued) {
        // What this group queued so far must be on its way, or no room would ever come.
        this.flush();
        if (this.roomWaiters.length > 0 || this.queue.length + this.reserved >= this.maxQueued) {
          await new Promise<void>((wake) => {
            waitingForRoom = wake;
            this.roomWaiters.push(wake);
          });
          waitingForRoom = undefined;
          this.reserved -= 1;
          if (failed || expired) break;
        }
      }
      const pending = this.pendingFor(out, resolve, rejectAll);
      this.queue.push(pending);
      if (expiry !== undefined) queued.push(pending);
    }
    this.flush();
    return acknowledged;
  }

  /**
   * Takes a timed-out group's messages that are still waiting out of the queue: they are never
   * sent. Says whether any of the group had already left the queue (on the wire, or acknowledged).
   */
  private dropQueued(group: readonly Pending[]): boolean {
    const dropped = new Set(group);
    const before = this.queue.length;
    let kept = 0;
    for (const pending of this.queue) if (!dropped.has(pending)) this.queue[kept++] = pending;
    this.queue.length = kept;
    return before - kept < group.length;
  }

  private pendingFor(out: OutgoingMessage, resolve: () => void, reject: (error: Error) => void): Pending {
    const { topic, record, type } = out;
    const untraced = (message: Message): Pending => ({ topic, type, message, bytes: sizeOf(message), resolve, reject });
    if (out.traced === true || record.headers['traceparent'] !== undefined) return untraced(toMessage(record));
    const span = getTracer().startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER });
    // No tracing at all (no SDK started): no context to carry, nothing to record.
    if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return untraced(toMessage(record));
    // Sampled out: nothing to record, but the span's context still travels, so downstream
    // stays in this trace (with its not-sampled flag).
    if (!span.isRecording())
      return untraced(toMessage(record, injectTraceHeaders({}, trace.setSpan(context.active(), span))));
    span.setAttributes({
      [MessagingAttribute.system]: MESSAGING_SYSTEM_KAFKA,
      [MessagingAttribute.destinationName]: topic,
      [MessagingAttribute.operationType]: MessagingOperation.send,
      ...(out.eventId === undefined ? {} : { [MessagingAttribute.messageId]: out.eventId }),
    });
    const message = toMessage(record, injectTraceHeaders({}, trace.setSpan(context.active(), span)));
    return {
      topic,
      type,
      message,
      bytes: sizeOf(message),
      resolve: () => {
        span.end();
        resolve();
      },
      reject: (error) => {
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.end();
        reject(error);
      },
    };
  }

  private flush(): void {
    if (this.inFlight !== undefined || this.queue.length === 0) return;
    let count = 0;
    let bytes = 0;
    for (const pending of this.queue) {
      if (count === this.maxBatchSize || (count > 0 && bytes + pending.bytes > this.maxBatchBytes)) break;
      count += 1;
      bytes += pending.bytes;
    }
    const batch = this.queue.splice(0, count);
    const room = this.maxQueued - this.queue.length - this.reserved;
    for (const wake of this.roomWaiters.splice(0, Math.max(0, room))) {
      this.reserved += 1;
      wake();
    }
    this.inFlight = this.send(batch)
      // One turn of the event loop before the next batch: callers just resolved usually
      // publish again at once, and this lets them join it (batches of 100, not 1 and 99).
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .finally(() => {
        this.inFlight = undefined;
        this.flush();
      });
  }

  private async send(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const pending of batch) {
      const messages = byTopic.get(pending.topic) ?? [];
      messages.push(pending.message);
      byTopic.set(pending.topic, messages);
    }
    this.metrics?.publishedBatchSize.observe(batch.length);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
        break;
      } catch (error) {
        // The broker gone (restarting, unreachable): the same batch again, before any later one,
        // until it is back — unless the callers bounded their wait (a delivery timeout: they
        // decide) or the publisher is stopping. Any other failure goes to the callers.
        if (this.deliveryTimeoutMs === undefined && !this.stopped && isBrokerGone(error)) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(BROKER_GONE_MAX_DELAY_MS, 200 * 2 ** attempt)));
          continue;
        }
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const pending of batch) pending.reject(failure);
        return;
      }
    }
    countPerTopicAndType(this.metrics?.eventsProduced, batch, (pending) => pending);
    for (const pending of batch) pending.resolve();
  }
}

function toMessage(record: OutgoingRecord, extraHeaders?: Record<string, string>): Message {
  const extra = extraHeaders === undefined || isEmpty(extraHeaders) ? undefined : extraHeaders;
  return {
    key: record.key,
    value: record.value,
    headers: extra === undefined ? record.headers : { ...record.headers, ...extra },
  };
}

function isEmpty(headers: Record<string, string>): boolean {
  for (const name in headers) if (Object.hasOwn(headers, name)) return false;
  return true;
}

function sizeOf(message: Message): number {
  let bytes = byteLength(message.key) + byteLength(message.value);
  const headers = message.headers;
  if (headers === undefined) return bytes;
  // Runs once per published record: no key array, no closure.
  for (const name in headers) {
    const value = headers[name];
    bytes += name.length;
    if (Array.isArray(value)) for (const item of value) bytes += byteLength(item);
    else bytes += byteLength(value);
  }
  return bytes;
}

/** Approximate wire size of a record: key, value, header names and values. */
export function recordBytes(record: OutgoingRecord): number {
  return sizeOf({ key: record.key, value: record.value, headers: record.headers });
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
