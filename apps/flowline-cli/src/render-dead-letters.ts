/** `flowline dlq list` output: a table for people, JSON for tools. */
import type { ListedDeadLetter } from './dead-letter-record';
import { oneLine } from './render-trace';
import { formatTable } from './text-table';

export function renderDeadLetters(deadLetterTopic: string, listed: readonly ListedDeadLetter[]): string {
  if (listed.length === 0) return `${deadLetterTopic}: no dead letters\n`;
  const onePartition = listed.every((entry) => entry.partition === listed[0]?.partition);
  const redriven = listed.filter((entry) => entry.redriven !== null).length;
  const rows = listed.map((entry) => [
    onePartition ? entry.offset : `${entry.partition}:${entry.offset}`,
    entry.id ?? '-',
    entry.type ?? '-',
    entry.attempts === null ? '-' : String(entry.attempts),
    entry.firstFailure?.toISOString() ?? '-',
    entry.lastFailure?.toISOString() ?? '-',
    entry.redriven === null ? 'no' : entry.redriven.redrivenAt.toISOString(),
    entry.reason === null ? '-' : oneLine(entry.reason),
  ]);
  const title = `${deadLetterTopic}: ${listed.length} dead letter${listed.length === 1 ? '' : 's'}, ${redriven} redriven\n`;
  return (
    title +
    formatTable(['OFFSET', 'EVENT ID', 'TYPE', 'ATTEMPTS', 'FIRST FAILURE', 'LAST FAILURE', 'REDRIVEN', 'REASON'], rows)
  );
}

export function deadLettersToJson(listed: readonly ListedDeadLetter[]): string {
  return `${JSON.stringify(listed, null, 2)}\n`;
}
