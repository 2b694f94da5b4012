import type { KafkaMessage } from 'kafkajs';

/**
 * A Kafka record as it was read, for consumers that keep or show records rather than
 * handle events (the event archiver, the `flowline` CLI). Header values are UTF-8 text:
 * every Flowline header (ce_*, traceparent, flowline-dlq-*) is text on the wire.
 */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  /** The record's broker timestamp (create time, as the producer set it). */
  timestamp: Date;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  // One pass, no intermediate object: this runs for every record the archiver stores. As in
  // lastHeaderValues, a repeated header keeps its last value and one without a value is left out.
  const headers: Record<string, string> = {};
  const raw = message.headers;
  if (raw !== undefined) {
    for (const name in raw) {
      const value = raw[name];
      const last = Array.isArray(value) ? value[value.length - 1] : value;
      if (last !== undefined && last !== null) headers[name] = typeof last === 'string' ? last : last.toString('utf8');
    }
  }
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)),
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
  };
}
