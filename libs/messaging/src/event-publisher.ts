/**
 * Publishes Flowline events through one idempotent producer (acks=all). Concurrent
 * `publish` calls are coalesced: while one batch is on the wire, new calls queue, and
 * the next batch carries all of them in one request, so a gateway's per-request publish
 * is not one round trip each. Each caller is resolved only after the broker acknowledged
 * the batch holding its message: callers may acknowledge their own input then, not before.
 *
 * Back-pressure, not buffering: at most `maxQueued` messages wait; further callers wait
 * for room. Batches go out one at a time, in call order, which keeps per-partition order.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Kafka, Message, Producer } from 'kafkajs';
import { encodeEvent, FlowlineEvent } from '@flowline/event-schemas';
import { getTracer, injectTraceHeaders, MESSAGING_SYSTEM_KAFKA, MessagingAttribute, MessagingOperation, ServiceMetrics } from '@flowline/telemetry';
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
}

/** A record as it goes on the wire: a Flowline event encoded, or a dead letter kept byte for byte. */
export interface OutgoingRecord {
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers: Record<string, string | Buffer | undefined>;
}

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
    // An idempotent producer must retry without limit, or a give-up-then-resend could write a
    // duplicate the broker cannot recognise; callers bound their wait instead (the gateway
    // answers 503 after PUBLISH_TIMEOUT_MS; a consumer stage simply stops making progress).
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
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
  async publishRecord(topic: string, record: OutgoingRecord, type: string, eventId?: string): Promise<void> {
    if (this.stopped) throw new Error('publisher stopped: no new messages are accepted');
    // First come, first served: a caller that finds others waiting waits behind them.
    if (this.roomWaiters.length > 0 || this.queue.length + this.reserved >= this.maxQueued) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      this.reserved -= 1;
    }
    if (record.headers['traceparent'] !== undefined) {
      const message = toMessage(record, {});
      return new Promise<void>((resolve, reject) => this.enqueue({ topic, type, message, bytes: sizeOf(message), resolve, reject }));
    }
    const span = getTracer().startSpan(`send ${topic}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        [MessagingAttribute.system]: MESSAGING_SYSTEM_KAFKA,
        [MessagingAttribute.destinationName]: topic,
        [MessagingAttribute.operationType]: MessagingOperation.send,
        ...(eventId === undefined ? {} : { [MessagingAttribute.messageId]: eventId }),
      },
    });
    const traceHeaders = injectTraceHeaders({}, trace.setSpan(context.active(), span));
    try {
      const message = toMessage(record, traceHeaders);
      await new Promise<void>((resolve, reject) => this.enqueue({ topic, type, message, bytes: sizeOf(message), resolve, reject }));
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    this.flush();
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
    try {
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const pending of batch) pending.reject(failure);
      return;
    }
    for (const pending of batch) {
      this.metrics?.eventsProduced.inc({ topic: pending.topic, type: pending.type });
      pending.resolve();
    }
  }
}

function toMessage(record: OutgoingRecord, extraHeaders: Record<string, string>): Message {
  return { key: record.key, value: record.value, headers: { ...record.headers, ...extraHeaders } };
}

function sizeOf(message: Message): number {
  let bytes = byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += name.length + (Array.isArray(value) ? value.reduce((sum: number, v) => sum + byteLength(v), 0) : byteLength(value));
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
