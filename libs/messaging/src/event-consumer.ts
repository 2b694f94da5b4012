/**
 * Consumes Flowline events from a consumer group. An offset is committed only after the
 * handler — and every event it published — has succeeded, so a crash between the two
 * redelivers the message instead of losing it. A message that can never be decoded is
 * written to `<topic>.dlq` with the reason in its headers, then committed.
 */
import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { decodeEvent, EventDecodingError, FlowlineEvent, topicNames } from '@flowline/event-schemas';
import type { ReadinessProbe } from './readiness-probe';
import { ensureTopics } from './topic-admin';
import type { Logger, ServiceMetrics } from '@flowline/telemetry';

export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
}

export type EventHandler = (event: FlowlineEvent, context: MessageContext) => Promise<void>;

export interface EventConsumerOptions {
  groupId: string;
  topics: readonly string[];
  handle: EventHandler;
  logger: Logger;
  metrics?: ServiceMetrics;
  /** Read from the beginning when the group has no committed offset (default: true, so nothing published before the first start is skipped). */
  fromBeginning?: boolean;
}

export class EventConsumer {
  readonly name: string;
  private readonly consumer: Consumer;
  private readonly deadLetters: Producer;
  private joined = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: EventConsumerOptions,
  ) {
    this.name = `kafka-consumer:${options.groupId}`;
    // A short fetch wait keeps shutdown quick: disconnect waits for the fetch in flight.
    this.consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1_000 });
    this.deadLetters = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    for (const lost of [this.consumer.events.CRASH, this.consumer.events.DISCONNECT, this.consumer.events.STOP]) {
      this.consumer.on(lost, () => {
        this.joined = false;
      });
    }
  }

  /** A readiness check: ready while the consumer is a member of its group. */
  readiness(): ReadinessProbe {
    return {
      name: this.name,
      check: () => (this.joined ? Promise.resolve() : Promise.reject(new Error(`not a member of group ${this.options.groupId}`))),
    };
  }

  async start(): Promise<void> {
    // The dead-letter topics must exist before the first bad message, not be created by it.
    await ensureTopics(this.kafka, this.options.topics.map((topic) => ({ name: topicNames().deadLetter(topic), partitions: 1 })));
    await this.deadLetters.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({ autoCommit: false, eachMessage: (payload) => this.handleMessage(payload) });
  }

  /** Stops fetching, waits for the message in hand to finish and commit, leaves the group. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
  }

  private async handleMessage({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const context: MessageContext = { topic, partition, offset: message.offset };
    let event: FlowlineEvent;
    try {
      event = decodeEvent({ key: message.key, value: message.value, headers: flattenHeaders(message.headers) });
    } catch (error) {
      if (!(error instanceof EventDecodingError)) throw error;
      await this.deadLetter(context, message, error);
      await this.commit(context);
      return;
    }
    const started = process.hrtime.bigint();
    try {
      await this.options.handle(event, context);
    } catch (error) {
      this.options.metrics?.handlerErrors.inc({ topic, type: event.type, error: (error as Error).name });
      this.options.logger.error({ err: error, event_id: event.id, correlationid: event.correlationid, topic, partition }, 'handler failed; the message will be redelivered');
      throw error;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics?.handlerDuration.observe({ topic, type: event.type }, seconds);
    await this.commit(context);
    this.options.metrics?.eventsConsumed.inc({ topic, type: event.type });
  }

  private async commit(context: MessageContext): Promise<void> {
    await this.consumer.commitOffsets([
      { topic: context.topic, partition: context.partition, offset: (BigInt(context.offset) + 1n).toString() },
    ]);
  }

  private async deadLetter(context: MessageContext, message: EachMessagePayload['message'], error: EventDecodingError): Promise<void> {
    const now = new Date().toISOString();
    this.options.logger.warn({ topic: context.topic, partition: context.partition, offset: context.offset, reason: error.message }, 'undecodable message sent to the dead-letter topic');
    await this.deadLetters.send({
      topic: topicNames().deadLetter(context.topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'flowline-dlq-reason': error.message,
            'flowline-dlq-error-class': error.name,
            'flowline-dlq-error-code': error.code,
            'flowline-dlq-attempts': '1',
            'flowline-dlq-original-topic': context.topic,
            'flowline-dlq-original-partition': String(context.partition),
            'flowline-dlq-original-offset': context.offset,
            'flowline-dlq-first-failure': now,
            'flowline-dlq-last-failure': now,
          },
        },
      ],
    });
  }
}

function flattenHeaders(headers: EachMessagePayload['message']['headers']): Record<string, Buffer | string | undefined> {
  const flat: Record<string, Buffer | string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    flat[name] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  return flat;
}
