/**
 * Publishes Flowline events. The producer is idempotent with acks=all, and `publish`
 * resolves only once the broker has acknowledged the write: callers (an HTTP 202, an
 * offset commit) may acknowledge their own input only after that.
 */
import type { Kafka, Producer } from 'kafkajs';
import { encodeEvent, FlowlineEvent } from '@flowline/event-schemas';
import type { ServiceMetrics } from '@flowline/telemetry';
import type { ReadinessProbe } from './readiness-probe';

export class EventPublisher {
  readonly name = 'kafka-publisher';
  private readonly producer: Producer;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly metrics?: ServiceMetrics,
  ) {
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

  async stop(): Promise<void> {
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

  async publish(topic: string, event: FlowlineEvent): Promise<void> {
    const record = encodeEvent(event);
    await this.producer.send({ topic, acks: -1, messages: [record] });
    this.metrics?.eventsProduced.inc({ topic, type: event.type });
  }
}
