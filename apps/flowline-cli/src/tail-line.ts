/**
 * One tailed record as one line: a decoded CloudEvent (time, topic, type, id,
 * correlationid, source), or — for a record that does not decode — its position and why,
 * so one bad record never stops a tail.
 */
import { decodeEvent, FlowlineEvent } from '@flowline/event-schemas';
import type { ConsumedRecord } from './ports';
import { oneLine } from './render-trace';

export interface TailFilter {
  type?: string;
  correlation?: string;
  source?: string;
}

export type TailLine = { stream: 'out' | 'err'; text: string };

/** The line to print for a record, or undefined when the filter drops it. */
export function tailLine(record: ConsumedRecord, filter: TailFilter, json: boolean): TailLine | undefined {
  let event: FlowlineEvent;
  try {
    event = decodeEvent({ key: record.key, value: record.value, headers: record.headers });
  } catch (error) {
    // What the headers still say is enough to filter on (an unknown type is still a type).
    const raw = {
      type: record.headers['ce_type'],
      correlation: record.headers['ce_correlationid'] ?? record.headers['ce_id'],
      source: record.headers['ce_source'],
    };
    if (!matches(filter, raw)) return undefined;
    return { stream: json ? 'err' : 'out', text: `${undecodableLine(record, error)}\n` };
  }
  if (!matches(filter, { type: event.type, correlation: event.correlationid, source: event.source })) return undefined;
  if (json) return { stream: 'out', text: `${JSON.stringify(event)}\n` };
  const fields = [
    event.time,
    record.topic,
    event.type,
    `id=${event.id}`,
    `correlationid=${event.correlationid}`,
    `source=${event.source}`,
  ];
  return { stream: 'out', text: `${fields.join('  ')}\n` };
}

function matches(
  filter: TailFilter,
  attributes: { type: string | undefined; correlation: string | undefined; source: string | undefined },
): boolean {
  return (
    (filter.type === undefined || filter.type === attributes.type) &&
    (filter.correlation === undefined || filter.correlation === attributes.correlation) &&
    (filter.source === undefined || filter.source === attributes.source)
  );
}

function undecodableLine(record: ConsumedRecord, error: unknown): string {
  const reason = oneLine(error instanceof Error ? error.message : String(error));
  const known = (['ce_type', 'ce_id'] as const)
    .filter((name) => record.headers[name] !== undefined)
    .map((name) => `${name.slice(3)}=${record.headers[name]}`);
  const attributes = known.length === 0 ? '' : `  ${known.join('  ')}`;
  return `${record.timestamp.toISOString()}  ${record.topic}  ${record.partition}:${record.offset}  undecodable: ${reason}${attributes}`;
}
