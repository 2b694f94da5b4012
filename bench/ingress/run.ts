/**
 * `npm run bench:ingress [-- flags]`: the webhook gateway and the router against baselines
 * written the obvious way, measured in one run on the local broker and database, and the
 * router → document-agent chain's latency in deployed form; see bench/README.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchKafka, quietKafkajsNoise } from '../messaging/bench-kafka';
import type { PhaseOutcome } from '../messaging/bench-report';
import { stopWithin, withDeadline } from '../messaging/deadline';
import { progress } from '../messaging/progress';
import { publishReport, reportJson } from '../shared/bench-output';
import { measureChainLatency } from './chain-latency';
import { killAll } from './child-process';
import { measureGateway } from './gateway-throughput';
import { buildReport, renderTable, type IngressReport } from './ingress-report';
import { parseIngressSettings } from './ingress-settings';
import { measureRouterThroughput } from './router-throughput';

async function main(): Promise<void> {
  quietKafkajsNoise();
  const settings = parseIngressSettings(process.argv.slice(2), process.env);
  const startedAt = new Date();
  const bench = new BenchKafka(settings.brokers, startedAt);
  // Rule files, the gateway's config and every process's log file; removed at the end.
  const workDir = await mkdtemp(join(tmpdir(), `${bench.prefix}ingress-`));

  // The whole run is bounded too: past the watchdog, kill what runs, clean up what we can and exit 2.
  const abort = async (why: string): Promise<never> => {
    console.error(`bench: ${why}; cleaning up and exiting`);
    killAll();
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
  const common = { repeat: settings.repeat, warmup: settings.warmup, partitions: settings.partitions, workDir };
  const outcomes: Pick<IngressReport, 'gateway' | 'router' | 'chain'> = {};
  if (settings.phases.includes('gateway')) {
    outcomes.gateway = await phase('gateway', () =>
      measureGateway(bench, { ...common, ...settings.gateway, databaseUrl: settings.databaseUrl }),
    );
  }
  if (settings.phases.includes('router')) {
    outcomes.router = await phase('router', () => measureRouterThroughput(bench, { ...common, ...settings.router }));
  }
  if (settings.phases.includes('chain')) {
    outcomes.chain = await phase('chain', () =>
      measureChainLatency(bench, { ...common, ...settings.chain, logDir: workDir }),
    );
  }

  let cleanedUp: IngressReport['cleanedUp'];
  try {
    const { topics, groups } = await withDeadline(bench.cleanUp(), 60_000, 'delete the run’s topics and groups');
    cleanedUp = { topics: topics.length, groups: groups.length };
  } catch (error) {
    cleanedUp = { error: (error as Error).message };
  }
  await stopWithin(() => bench.stop(), 10_000, 'disconnect the admin client');
  await rm(workDir, { recursive: true, force: true });

  const report = buildReport({
    runId: bench.prefix,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1_000,
    settings,
    ...outcomes,
    cleanedUp,
  });
  await publishReport(renderTable(report), reportJson(report), settings.outFile);
  const failed = [outcomes.gateway, outcomes.router, outcomes.chain].some(
    (outcome) => outcome !== undefined && !outcome.ok,
  );
  // kafkajs and pino may hold timers a little longer; the bench has said all it has to say.
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exit(1);
});
