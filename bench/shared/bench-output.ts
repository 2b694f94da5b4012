/**
 * What every bench hands back, the parts they share: the code and machine a run measured,
 * one JSON line for machines (figures rounded, a never-arriving latency as null), and the
 * cell formats of the tables for people.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';
import type { Target } from '../messaging/target';

export interface SourceState {
  commit: string;
  /** Files under the measured paths (libs, apps) that differ from the commit: others may be changing them. */
  uncommittedLibFiles: string[];
}

export interface HostState {
  cpus: number;
  node: string;
  platform: string;
  /** At the end of the run: the machine is shared, and this says how busy it was. */
  loadAverage1m: number;
}

/** The commit and the uncommitted files under `paths` the run measured (empty when git is not at hand). */
export function readSourceState(paths: readonly string[]): SourceState {
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
    } catch {
      return '';
    }
  };
  // -z: NUL-separated entries "XY path"; only the end of the output is trimmed (trimming its start ate the first entry's status space, and so a letter of its path).
  const status = git(['status', '--porcelain', '-z', '--', ...paths]);
  const files = status
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3));
  return { commit: git(['rev-parse', 'HEAD']), uncommittedLibFiles: files };
}

export function readHostState(): HostState {
  return {
    cpus: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadAverage1m: os.loadavg()[0] ?? Number.NaN,
  };
}

/** JSON with figures rounded to 0.001 and non-finite numbers (a missing event's latency) as null. */
export function reportJson(report: object): string {
  return JSON.stringify(report, (_, value: unknown) =>
    typeof value === 'number' ? (Number.isFinite(value) ? Math.round(value * 1_000) / 1_000 : null) : value,
  );
}

/** Prints the table and the JSON line on stdout, and writes the JSON line to `outFile`. */
export async function publishReport(table: string, json: string, outFile: string): Promise<void> {
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, json + '\n');
  console.log(table);
  console.log(`(written to ${outFile})`);
  console.log(json);
}

export function row(cells: string[], widths: number[] = [38, 40]): string {
  return '   ' + cells.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i] as number) : cell)).join(' ');
}

export function num(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : String(value);
}

export function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '∞';
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : String(value);
}

export function verdict(t: Target): string {
  return `target ${t.comparison} ${t.threshold}: ${t.met ? 'target met' : 'target missed'}`;
}

/** One line per target, met or missed, with what was measured. */
export function targetLines(
  targets: readonly { rule: string; measured: number | null; met: boolean; error?: string }[],
): string[] {
  return targets.map(
    (t) =>
      `   ${t.met ? 'target met   ' : 'target missed'}  ${t.rule}${t.measured === null ? ` (not measured: ${t.error ?? 'phase failed'})` : ` — measured ${t.measured.toFixed(2)}`}`,
  );
}
