import type { ServiceMetrics } from '@flowline/telemetry';

/**
 * Adds one to `counter` for every item with a type, in one update per (topic, type) rather
 * than one per item: the events consumed or produced of a whole batch. A run of items with
 * the same labels (a batch usually is one) costs no key and no lookup.
 */
export function countPerTopicAndType<T>(
  counter: ServiceMetrics['eventsConsumed'] | undefined,
  items: Iterable<T>,
  labelsOf: (item: T) => { topic: string; type: string | undefined },
): void {
  if (counter === undefined) return;
  const counts = new Map<string, { topic: string; type: string; count: number }>();
  let current: { topic: string; type: string; count: number } | undefined;
  for (const item of items) {
    const { topic, type } = labelsOf(item);
    if (type === undefined) continue;
    if (current?.topic === topic && current.type === type) {
      current.count += 1;
      continue;
    }
    const key = `${topic}\u0000${type}`;
    current = counts.get(key);
    if (current === undefined) {
      current = { topic, type, count: 0 };
      counts.set(key, current);
    }
    current.count += 1;
  }
  for (const { topic, type, count } of counts.values()) counter.inc({ topic, type }, count);
}
