/**
 * A correlation id's causal tree as text: one line per event (type, topics, time, time
 * since its cause, status, id), children under their cause, drawn with ├─ └─ │.
 */
import { formatDuration, formatSince } from './format-duration';
import type { DeadLetterInfo, EventTrace, TraceNode } from './ports';

export function renderTrace(trace: EventTrace): string {
  const span = trace.lastTime.getTime() - trace.firstTime.getTime();
  const events = `${trace.eventCount} event${trace.eventCount === 1 ? '' : 's'}`;
  const lines = [
    `correlation ${trace.correlationId}: ${events} over ${formatDuration(span)} (${trace.firstTime.toISOString()} → ${trace.lastTime.toISOString()})`,
  ];
  for (const root of trace.roots) renderNode(root, '', '', lines);
  if (trace.stoppedAt.length > 0) {
    lines.push(
      `stopped at: ${trace.stoppedAt.map((node) => `${node.type} ${node.id} on ${topicsOf(node)} (${statusText(node)})`).join('; ')}`,
    );
  }
  return lines.map((line) => `${line}\n`).join('');
}

/** The trace as JSON, dates as ISO-8601 strings. */
export function traceToJson(trace: EventTrace): string {
  return `${JSON.stringify(trace, null, 2)}\n`;
}

function renderNode(node: TraceNode, prefix: string, connector: string, lines: string[]): void {
  const since = node.sinceParentMs === null ? [] : [formatSince(node.sinceParentMs)];
  const fields = [node.type, topicsOf(node), node.time.toISOString(), ...since, statusText(node), `[${node.id}]`];
  lines.push(`${prefix}${connector}${fields.join('  ')}`);
  const childPrefix = prefix + (connector === '' ? '' : connector === '└─ ' ? '   ' : '│  ');
  node.children.forEach((child, index) => {
    renderNode(child, childPrefix, index === node.children.length - 1 ? '└─ ' : '├─ ', lines);
  });
}

function topicsOf(node: TraceNode): string {
  const topics = [...new Set(node.appearances.map((appearance) => appearance.topic))];
  return topics.length === 0 ? '(no topic)' : topics.join(', ');
}

export function statusText(node: Pick<TraceNode, 'status' | 'deadLetter'>): string {
  switch (node.status) {
    case 'processed':
      return 'processed';
    case 'unrouted':
      return 'unrouted (no routing rule matched)';
    case 'dead-lettered':
      return `DLQ: ${deadLetterText(node.deadLetter)}`;
    case 'redriven': {
      const to = node.deadLetter?.redrivenTo === undefined ? '' : ` to ${node.deadLetter.redrivenTo}`;
      const at = node.deadLetter?.redrivenAt === undefined ? '' : ` at ${node.deadLetter.redrivenAt.toISOString()}`;
      return `redriven${to}${at} (was DLQ: ${deadLetterText(node.deadLetter)})`;
    }
  }
}

function deadLetterText(deadLetter: DeadLetterInfo | undefined): string {
  if (deadLetter === undefined) return 'no reason recorded';
  const attempts =
    deadLetter.attempts === undefined ? '' : ` (${deadLetter.attempts} attempt${deadLetter.attempts === 1 ? '' : 's'})`;
  return `${oneLine(deadLetter.reason)}${attempts}`;
}

/** A reason may hold newlines (an error message with details); a tree line must stay one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
