import { lastHeaderTexts } from '@flowline/event-schemas';
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
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: lastHeaderTexts(message.headers),
  };
}
