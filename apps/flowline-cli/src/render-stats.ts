/** `flowline stats` output: tables for people, JSON for tools. */
import { formatDuration } from './format-duration';
import type { EventStats, GroupLag } from './ports';
import { formatTable } from './text-table';

export interface StatsReport extends Omit<EventStats, 'from' | 'to'> {
  window: { from: Date; to: Date };
  consumerLag: GroupLag[];
}

export function renderStats(report: StatsReport, sinceText: string): string {
  const title = `${report.total} record${report.total === 1 ? '' : 's'} stored from ${report.window.from.toISOString()} to ${report.window.to.toISOString()} (since ${sinceText})\n`;
  return [
    title,
    section(
      'Events by type and topic',
      ['TYPE', 'TOPIC', 'EVENTS'],
      report.byTypeAndTopic.map((row) => [row.type ?? '(no type)', row.topic, String(row.count)]),
    ),
    section(
      'Dead letters',
      ['TOPIC', 'RECORDS', 'REDRIVEN'],
      report.deadLetters.map((row) => [row.topic, String(row.count), String(row.redriven)]),
    ),
    section(
      'Hop latency (cause → effect)',
      ['FROM', 'TO', 'COUNT', 'P50', 'P99'],
      report.hops.map((hop) => [
        hop.fromType,
        hop.toType,
        String(hop.count),
        formatDuration(hop.p50Ms),
        formatDuration(hop.p99Ms),
      ]),
    ),
    section('Consumer lag', ['GROUP', 'TOPIC', 'LAG', 'PARTITIONS'], lagByGroupAndTopic(report.consumerLag)),
  ].join('\n');
}

export function statsToJson(report: StatsReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function section(title: string, header: readonly string[], rows: readonly (readonly string[])[]): string {
  return rows.length === 0 ? `${title}: none\n` : `${title}\n${formatTable(header, rows)}`;
}

/** Lag summed over a topic's partitions; partitions a group never committed on are named, not counted as lag. */
function lagByGroupAndTopic(lags: readonly GroupLag[]): string[][] {
  const totals = new Map<
    string,
    { groupId: string; topic: string; lag: number; partitions: number; uncommitted: number }
  >();
  for (const row of lags) {
    const key = `${row.groupId}\u0000${row.topic}`;
    const total = totals.get(key) ?? { groupId: row.groupId, topic: row.topic, lag: 0, partitions: 0, uncommitted: 0 };
    total.partitions += 1;
    if (row.committedOffset === null) total.uncommitted += 1;
    else total.lag += row.lag;
    totals.set(key, total);
  }
  return [...totals.values()].map((total) => [
    total.groupId,
    total.topic,
    String(total.lag),
    total.uncommitted === 0 ? String(total.partitions) : `${total.partitions} (${total.uncommitted} never committed)`,
  ]);
}
