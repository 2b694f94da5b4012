/**
 * `npm run bench:sources [-- flags]`: the cdc-listener against Debezium's PostgreSQL connector,
 * and the file-watcher against a bare chokidar + sha256 + kafkajs script, measured in one run
 * on the local broker and database; see bench/sources/README.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchKafka, quietKafkajsNoise } from '../messaging/bench-kafka';
import type { PhaseOutcome } from '../messaging/bench-report';
import { stopWithin, withDeadline } from '../messaging/deadline';
import { progress } from '../messaging/progress';
import { killAll } from '../ingress/child-process';
import { publishReport, readHostState, readSourceState, reportJson } from '../shared/bench-output';
import { measureCdc, type CdcResult } from './cdc-bench';
import { killConnect } from './debezium-connect';
import { measureFiles, type FilesResult } from './file-bench';
import { renderTable } from './sources-report';
import { parseSourcesSettings } from './sources-settings';

async function main(): Promise<void> {
  quietKafkajsNoise();
  const settings = parseSourcesSettings(process.argv.slice(2), process.env);
  const startedAt = new Date();
  const bench = new BenchKafka(settings.brokers, startedAt);
  // Connect's configs, offsets and every process's log file; removed at the end.
  const workDir = await mkdtemp(join(tmpdir(), `${bench.prefix}sources-`));

  const abort = async (why: string): Promise<never> => {
    console.error(`bench: ${why}; cleaning up and exiting (slots named bench_* may need dropping by hand)`);
    killAll();
    killConnect();
    await stopWithin(async () => void (await bench.cleanUp()), 20_000, 'clean up topics and groups');
    await rm(workDir, { recursive: true, force: true });
    process.exit(2);
  };
  setTimeout(
    () => void abort(`whole run exceeded --max-minutes ${settings.maxMinutes}`),
    settings.maxMinutes * 60_000,
  ).unref();
  process.once('SIGINT', () => void abort('interrupted'));

  const phase = async <T>(name: string, measure: () => Promise<T>): Promise<PhaseOutcome<T>> => {
    progress(`${name}: start`);
    try {
      return { ok: true, result: await measure() };
    } catch (error) {
      progress(`${name}: FAILED ${(error as Error).stack ?? String(error)}`);
      return { ok: false, error: (error as Error).message };
    }
  };
  let cdc: PhaseOutcome<CdcResult> | undefined;
  let files: PhaseOutcome<FilesResult> | undefined;
  if (settings.phases.includes('cdc')) cdc = await phase('cdc', () => measureCdc(bench, settings, workDir));
  if (settings.phases.includes('files')) files = await phase('files', () => measureFiles(bench, settings, workDir));

  let cleanedUp: { topics: number; groups: number } | { error: string };
  try {
    const { topics, groups } = await withDeadline(bench.cleanUp(), 60_000, 'delete the run’s topics and groups');
    cleanedUp = { topics: topics.length, groups: groups.length };
  } catch (error) {
    cleanedUp = { error: (error as Error).message };
  }
  await stopWithin(() => bench.stop(), 10_000, 'disconnect the admin client');
  await rm(workDir, { recursive: true, force: true });

  const report = {
    bench: 'sources',
    runId: bench.prefix,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1_000,
    source: readSourceState(['apps/cdc-listener', 'apps/file-watcher', 'libs']),
    host: readHostState(),
    settings,
    cdc,
    files,
    cleanedUp,
  };
  await publishReport(renderTable(report), reportJson(report), settings.outFile);
  const failed = [cdc, files].some((outcome) => outcome !== undefined && !outcome.ok);
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  killAll();
  killConnect();
  process.exit(1);
});
