/**
 * The events the bench sends: `webhook.received` with a filler payload of a chosen size,
 * built and encoded by the same code the services use, so both the runtime and the bare
 * kafkajs baselines carry identical bytes.
 */
import { createEvent, FlowlineEvent } from '@flowline/event-schemas';
import { NonRetryableError } from '@flowline/messaging';

export type BenchEvent = FlowlineEvent<'webhook.received'>;

/** Fields the latency phase reads back from an event's payload at the far end of the hop. */
export interface LatencyStamp {
  index: number;
  /** performance.now() at which the event was scheduled to be sent (same process). */
  scheduledAt: number;
  warmup: boolean;
}

export function benchEvent(index: number, filler: string, stamp: Partial<LatencyStamp> = {}): BenchEvent {
  return createEvent(
    'webhook.received',
    { source: 'bench', deliveryId: `bench-${index}`, payload: { index, filler, ...stamp } },
    { source: '/bench/messaging' },
  );
}

/** A filler string that makes a payload of roughly `bytes`. */
export function fillerOf(bytes: number): string {
  return 'x'.repeat(bytes);
}

/** What the runtime's handler publishes for each input: a new event caused by it, same data and key. */
export function derivedEvent(event: FlowlineEvent, source: string): FlowlineEvent {
  if (event.type !== 'webhook.received' || Buffer.isBuffer(event.data))
    throw new NonRetryableError(`the bench handler expects webhook.received with JSON data, got ${event.type}`);
  return createEvent('webhook.received', event.data, { source, causedBy: event, partitionKey: event.partitionkey });
}

/** Reads the latency stamp from an output record's value (JSON data of the event); undefined when absent. */
export function readLatencyStamp(value: Buffer | null): LatencyStamp | undefined {
  if (value === null) return undefined;
  const data = JSON.parse(value.toString()) as {
    payload?: { index?: unknown; scheduledAt?: unknown; warmup?: unknown };
  };
  const payload = data.payload;
  if (typeof payload?.index !== 'number' || typeof payload.scheduledAt !== 'number') return undefined;
  return { index: payload.index, scheduledAt: payload.scheduledAt, warmup: payload.warmup === true };
}
