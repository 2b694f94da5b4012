/**
 * `npm run bench:messaging [-- flags]`: measures the messaging runtime against bare kafkajs
 * baselines on the local broker, in one run; see bench/README.md for what each figure means.
 */
import { startTelemetry } from '@flowline/telemetry';
import { publishReport, reportJson } from '../shared/bench-output';
import { BenchKafka, quietKafkajsNoise } from './bench-kafka';
import { BenchReport, buildReport, PhaseOutcome, renderTable } from './bench-report';
import { parseBenchSettings } from './bench-settings';
import { stopWithin, withDeadline } from './deadline';
import { measureHopLatency } from './hop-latency';
import { addRoundTripDelay } from './network-delay';
import { measurePipelineThroughput } from './pipeline-throughput';
import { progress } from './progress';
import { measurePublishThroughput } from './publish-throughput';

async function main(): Promise<void> {
  quietKafkajsNoise();
  const settings = parseBenchSettings(process.argv.slice(2), process.env);
  // As every service does (libs/service-runtime), before the runtime is built: spans recorded, exported nowhere.
  if (settings.tracing) startTelemetry({ service: 'bench' });
  addRoundTripDelay(settings.addedRttMs, new Set(settings.brokers.map((broker) => Number(broker.split(':').at(-1)))));
  const startedAt = new Date();
  const bench = new BenchKafka(settings.brokers, startedAt);
  const runtime = {
    partitions: settings.partitions,
    payloadBytes: settings.payloadBytes,
    repeat: settings.repeat,
    warmup: settings.warmup,
  };

  // The whole run is bounded too: past the watchdog, clean up what we can and exit 2.
  const abort = async (why: string): Promise<never> => {
    console.error(`bench: ${why}; cleaning up and exiting`);
    await stopWithin(async () => void (await bench.cleanUp()), 20_000, 'clean up topics and groups');
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
  const outcomes: Pick<BenchReport, 'publish' | 'pipeline' | 'latency'> = {};
  if (settings.phases.includes('publish')) {
    outcomes.publish = await phase('publish', () =>
      measurePublishThroughput(bench, {
        ...runtime,
        ...settings.publish,
        publisher: settings.publisherBatch === undefined ? {} : { maxBatchSize: settings.publisherBatch },
      }),
    );
  }
  if (settings.phases.includes('pipeline')) {
    outcomes.pipeline = await phase('pipeline', () =>
      measurePipelineThroughput(bench, {
        ...runtime,
        ...settings.pipeline,
        partitionsConcurrently: settings.partitionsConcurrently,
        publisherBatch: settings.publisherBatch,
      }),
    );
  }
  if (settings.phases.includes('latency')) {
    outcomes.latency = await phase('latency', () =>
      measureHopLatency(bench, {
        ...runtime,
        ...settings.latency,
        partitionsConcurrently: settings.partitionsConcurrently,
        publisherBatch: settings.publisherBatch,
      }),
    );
  }

  let cleanedUp: BenchReport['cleanedUp'];
  try {
    const { topics, groups } = await withDeadline(bench.cleanUp(), 60_000, 'delete the run’s topics and groups');
    cleanedUp = { topics: topics.length, groups: groups.length };
  } catch (error) {
    cleanedUp = { error: (error as Error).message };
  }
  await stopWithin(() => bench.stop(), 10_000, 'disconnect the admin client');

  const report = buildReport({
    runId: bench.prefix,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1_000,
    settings,
    ...outcomes,
    cleanedUp,
  });
  await publishReport(renderTable(report), reportJson(report), settings.outFile);
  // kafkajs and pino may hold timers a little longer; the bench has said all it has to say.
  const failed = [outcomes.publish, outcomes.pipeline, outcomes.latency].some(
    (outcome) => outcome !== undefined && !outcome.ok,
  );
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
