/** The sources bench's table for people (the JSON line carries every figure). */
import type { PhaseOutcome } from '../messaging/bench-report';
import { ms, num, ratio, row, targetLines } from '../shared/bench-output';
import type { CdcResult } from './cdc-bench';
import type { FilesResult } from './file-bench';
import { FILE_SUBJECTS } from './sources-settings';

export interface SourcesReportView {
  runId: string;
  durationSeconds: number;
  host: { loadAverage1m: number; cpus: number };
  cdc?: PhaseOutcome<CdcResult>;
  files?: PhaseOutcome<FilesResult>;
}

const list = (values: readonly number[], format: (value: number) => string): string => values.map(format).join(' / ');

export function renderTable(report: SourcesReportView): string {
  const lines: string[] = [
    `bench:sources ${report.runId} (${report.durationSeconds.toFixed(0)} s; ${report.host.cpus} cpus, load ${report.host.loadAverage1m.toFixed(1)} at the end)`,
  ];
  if (report.cdc !== undefined) {
    lines.push('', 'CDC (PostgreSQL → Kafka), per round, then the median');
    if (!report.cdc.ok) lines.push(`   FAILED: ${report.cdc.error}`);
    else {
      const cdc = report.cdc.result;
      lines.push(row(['variant', 'bulk rows/s', 'p50 ms', 'p99 ms'], [20, 34, 28]));
      for (const summary of cdc.summaries) {
        lines.push(
          row(
            [
              summary.variant,
              `${list(summary.rowsPerSecond, num)} (med ${num(summary.medianRowsPerSecond)})`,
              `${list(summary.p50Ms, ms)} (med ${ms(summary.medianP50Ms)})`,
              `${list(summary.p99Ms, ms)} (med ${ms(summary.medianP99Ms)})`,
            ],
            [20, 34, 28],
          ),
        );
      }
      for (const run of cdc.runs.filter((candidate) => candidate.error !== undefined)) {
        lines.push(`   ${run.variant} round ${run.round} FAILED: ${run.error}`);
      }
      lines.push(
        `   ratios: throughput vs shipped ${ratio(cdc.ratios.throughputVsShipped)}, vs tuned ${ratio(cdc.ratios.throughputVsTuned)}, vs the faster ${ratio(cdc.ratios.throughputVsBestDebezium)}; p99 vs tuned ${ratio(cdc.ratios.p99VsTuned)}, vs shipped ${ratio(cdc.ratios.p99VsShipped)}`,
        ...targetLines(cdc.targets),
      );
    }
  }
  if (report.files !== undefined) {
    lines.push('', 'Files (closed → event; burst)');
    if (!report.files.ok) lines.push(`   FAILED: ${report.files.error}`);
    else {
      const files = report.files.result;
      lines.push(row(['subject', 'p50 / p99 ms per round', 'burst files/s, peak RSS'], [14, 40, 40]));
      for (const subject of FILE_SUBJECTS) {
        const runs = files.runs.filter((run) => run.subject === subject);
        lines.push(
          row(
            [
              subject,
              runs.map((run) => `${ms(run.latency?.p50Ms ?? NaN)}/${ms(run.latency?.p99Ms ?? NaN)}`).join(', '),
              runs
                .map((run) => `${num(run.burst?.filesPerSecond ?? NaN)} (${num(run.burst?.peakRssMiB ?? NaN)} MiB)`)
                .join(', '),
            ],
            [14, 40, 40],
          ),
        );
        for (const run of runs.filter((candidate) => candidate.error !== undefined)) {
          lines.push(`   ${subject} round ${run.round} FAILED: ${run.error}`);
        }
      }
      lines.push(
        `   window ${files.stabilityMs} ms; burst ratio file-watcher / bare ${ratio(files.burstRatio)}, / bare with a durable copy ${ratio(files.burstRatioVsBareWithCopy)}`,
        ...targetLines(files.targets),
      );
    }
  }
  return lines.join('\n');
}
