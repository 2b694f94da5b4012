/**
 * The webhook gateway under HTTP load from autocannon on loopback, against baselines measured
 * in the same run. Each server is a process of its own (the bench process only generates
 * load), started fresh for every run:
 *
 * - `gateway`: apps/webhook-gateway as deployed (`dist/main.js`, tracing SDK on, info logs),
 *   one `standard-webhooks` source, dedupe in PostgreSQL (a scratch database of this run);
 * - `baseline`: express + `standardwebhooks` verify + one awaited kafkajs `send` (acks=all,
 *   idempotent) per request, 202 (webhook-baseline-server.ts);
 * - `ceiling`: express answering 202 without a check or Kafka (the same script, bare).
 *
 * Every request is signed for itself with the `standardwebhooks` library, with a fresh
 * `webhook-id` and the current timestamp (so it stays inside the ±5 min window): the gateway
 * sees each as a new delivery and does its dedupe work (look up, then record after Kafka's ack),
 * as it would for a real sender's deliveries; a fixed id would make every request but the
 * first a redelivery answered from the dedupe table without publishing. All three variants
 * get the same requests, so the load generator costs each the same.
 *
 * Throughput: `connections` (64) connections for `seconds`, as fast as answers come back;
 * 2xx/s counted. Latency: a fixed `rate` (500 req/s, autocannon `overallRate`, latencies of
 * 2xx answers corrected for coordinated omission by autocannon), p50/p99/max. Each process
 * gets `warmupSeconds` of untimed load first (its JIT, connections, the producer's metadata).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';
import { createScratchDatabase } from '@flowline/testing';
import type { BenchKafka } from '../messaging/bench-kafka';
import { stopWithin } from '../messaging/deadline';
import { median, medianRatio } from '../messaging/percentiles';
import { progress } from '../messaging/progress';
import { target, type Target } from '../messaging/target';
import { cpuSeconds, spawnBenchScript, spawnService, waitUntilReady, type BenchProcess } from './child-process';

/**
 * `gatewayNoDedupe` and `gatewayUntraced` are diagnostics, not run by default: the gateway on a
 * second source whose delivery id is read from a header no request has (so no dedupe look-up
 * or record), and the gateway with the OpenTelemetry SDK disabled (OTEL_SDK_DISABLED=true).
 */
export const GATEWAY_VARIANTS = ['gateway', 'baseline', 'ceiling', 'gatewayNoDedupe', 'gatewayUntraced'] as const;
export type GatewayVariant = (typeof GATEWAY_VARIANTS)[number];

export const GATEWAY_TARGET_RATIO = 1.5;
export const GATEWAY_TARGET_P99_MS = 50;
const SOURCE = 'bench';
const SOURCE_WITHOUT_DEDUPE = 'bench-no-dedupe';

export interface GatewaySettings {
  connections: number;
  seconds: number;
  /** Fixed request rate of the latency runs. */
  rate: number;
  rateSeconds: number;
  warmupSeconds: number;
  repeat: number;
  warmup: number;
  bodyBytes: number;
  partitions: number;
  variants: readonly GatewayVariant[];
  latencyVariants: readonly GatewayVariant[];
  databaseUrl: string;
  /** Extra environment for the gateway processes (experiments: NODE_OPTIONS=--cpu-prof, …); empty as shipped. */
  gatewayEnv: Record<string, string>;
  workDir: string;
}

export interface GatewayThroughputRun {
  requestsPerSecond: number;
  accepted: number;
  non2xx: number;
  errors: number;
  /** The server process's CPU time per accepted request. */
  cpuMicrosPerRequest: number;
}

export interface GatewayLatencyRun {
  /** Accepted (2xx) requests per second actually achieved. */
  achievedRate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
}

export interface GatewayResult {
  connections: number;
  bodyBytes: number;
  throughput: Partial<
    Record<GatewayVariant, { runs: GatewayThroughputRun[]; medianRequestsPerSecond: number; error?: string }>
  >;
  latency: Partial<
    Record<
      GatewayVariant,
      { runs: GatewayLatencyRun[]; medianP50Ms: number; medianP99Ms: number; medianMaxMs: number; error?: string }
    >
  >;
  ratioGatewayToBaseline: number;
  ratioGatewayToCeiling: number;
  targets: { throughput: Target; latency: Target };
}

export async function measureGateway(bench: BenchKafka, settings: GatewaySettings): Promise<GatewayResult> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const prefix = bench.name('gateway-');
  const baselineTopic = bench.name('gateway-baseline');
  await bench.createTopics([`${prefix}ingress.webhook`, baselineTopic], settings.partitions);
  const configFile = join(settings.workDir, 'gateway.yaml');
  // The default rate limit (100/minute) would answer most of the load 429: the bench measures the rest of the path.
  await writeFile(
    configFile,
    [
      'sources:',
      `  - name: ${SOURCE}`,
      '    scheme: standard-webhooks',
      '    secrets: [{ env: BENCH_WEBHOOK_SECRET }]',
      '    rateLimit: { perMinute: 1000000000, burst: 1000000000 }',
      `  - name: ${SOURCE_WITHOUT_DEDUPE}`,
      '    scheme: standard-webhooks',
      '    secrets: [{ env: BENCH_WEBHOOK_SECRET }]',
      '    rateLimit: { perMinute: 1000000000, burst: 1000000000 }',
      '    deliveryId: { headers: [X-Bench-No-Delivery-Id] }',
      '',
    ].join('\n'),
  );
  const database = await createScratchDatabase(settings.databaseUrl, `${prefix}dedupe`);
  const signed = signedRequests(secret, settings.bodyBytes);
  const requestsFor = (variant: GatewayVariant): RequestSetup =>
    variant === 'gatewayNoDedupe' ? () => ({ ...signed(), path: `/webhooks/${SOURCE_WITHOUT_DEDUPE}` }) : signed;

  const start = async (variant: GatewayVariant, label: string): Promise<BenchProcess> => {
    const server =
      variant === 'gateway' || variant === 'gatewayNoDedupe' || variant === 'gatewayUntraced'
        ? await spawnService(
            'webhook-gateway',
            {
              KAFKA_BROKERS: bench.brokers.join(','),
              FLOWLINE_TOPIC_PREFIX: prefix,
              KAFKA_TOPIC_PARTITIONS: String(settings.partitions),
              FLOWLINE_CONFIG_FILE: configFile,
              DATABASE_URL: database.url,
              BENCH_WEBHOOK_SECRET: secret,
              ...(variant === 'gatewayUntraced' ? { OTEL_SDK_DISABLED: 'true' } : {}),
              ...settings.gatewayEnv,
            },
            settings.workDir,
            label,
          )
        : await spawnBenchScript(
            'webhook-baseline-server.ts',
            {
              BENCH_MODE: variant === 'ceiling' ? 'bare' : 'kafka',
              KAFKA_BROKERS: bench.brokers.join(','),
              KAFKAJS_NO_PARTITIONER_WARNING: '1',
              BENCH_TOPIC: baselineTopic,
              BENCH_WEBHOOK_SECRET: secret,
            },
            settings.workDir,
            label,
          );
    try {
      await waitUntilReady(server);
      // Untimed: the process's JIT, its connections, the producer's metadata and first batches.
      await load(server, requestsFor(variant), { connections: settings.connections, duration: settings.warmupSeconds });
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  };

  const none = () => ({ gateway: [], baseline: [], ceiling: [], gatewayNoDedupe: [], gatewayUntraced: [] });
  const throughputRuns: Record<GatewayVariant, GatewayThroughputRun[]> = none();
  const latencyRuns: Record<GatewayVariant, GatewayLatencyRun[]> = none();
  const errors: Partial<Record<`${'throughput' | 'latency'} ${GatewayVariant}`, string>> = {};
  try {
    for (let rep = -settings.warmup; rep < settings.repeat; rep++) {
      const counted = rep >= 0;
      const label = counted
        ? `${rep + 1}/${settings.repeat}`
        : `warm-up ${rep + settings.warmup + 1}/${settings.warmup}`;
      const shift = (rep + settings.warmup) % settings.variants.length;
      for (const variant of [...settings.variants.slice(shift), ...settings.variants.slice(0, shift)]) {
        if (errors[`throughput ${variant}`] !== undefined) continue;
        try {
          const server = await start(variant, `gateway-${variant}-${counted ? rep : `w${-rep}`}`);
          try {
            const cpu0 = cpuSeconds(server.pid);
            const result = await load(server, requestsFor(variant), {
              connections: settings.connections,
              duration: settings.seconds,
            });
            const accepted = result['2xx'];
            const run = {
              requestsPerSecond: accepted / result.duration,
              accepted,
              non2xx: result.non2xx,
              errors: result.errors,
              cpuMicrosPerRequest: ((cpuSeconds(server.pid) - cpu0) * 1e6) / accepted,
            };
            if (counted) throughputRuns[variant].push(run);
            progress(
              `gateway ${label} ${variant}: ${Math.round(run.requestsPerSecond)} req/s accepted (${run.non2xx} non-2xx, ${run.errors} errors; server CPU ${Math.round(run.cpuMicrosPerRequest)} µs/request)`,
            );
          } finally {
            await stopWithin(() => server.stop(), 30_000, `stop the ${variant} server`);
          }
        } catch (error) {
          errors[`throughput ${variant}`] = `repetition ${label}: ${(error as Error).message}`;
          progress(`gateway ${label} ${variant}: FAILED ${(error as Error).message}`);
        }
      }
      if (!counted) continue;
      for (const variant of settings.latencyVariants) {
        if (errors[`latency ${variant}`] !== undefined) continue;
        try {
          const server = await start(variant, `gateway-latency-${variant}-${rep}`);
          try {
            const result = await load(server, requestsFor(variant), {
              connections: settings.connections,
              duration: settings.rateSeconds,
              overallRate: settings.rate,
            });
            const run = {
              achievedRate: result['2xx'] / result.duration,
              p50Ms: result.latency.p50,
              p99Ms: result.latency.p99,
              maxMs: result.latency.max,
              non2xx: result.non2xx,
              errors: result.errors,
            };
            latencyRuns[variant].push(run);
            progress(
              `gateway ${label} ${variant} at ${settings.rate} req/s: p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, max ${run.maxMs} ms (${Math.round(run.achievedRate)} req/s accepted, ${run.non2xx} non-2xx)`,
            );
          } finally {
            await stopWithin(() => server.stop(), 30_000, `stop the ${variant} server`);
          }
        } catch (error) {
          errors[`latency ${variant}`] = `repetition ${label}: ${(error as Error).message}`;
          progress(`gateway ${label} ${variant} latency: FAILED ${(error as Error).message}`);
        }
      }
    }
  } finally {
    await stopWithin(() => database.drop(), 30_000, 'drop the dedupe database');
  }

  const rates = (variant: GatewayVariant) => throughputRuns[variant].map((run) => run.requestsPerSecond);
  const throughput: GatewayResult['throughput'] = {};
  for (const variant of settings.variants) {
    const error = errors[`throughput ${variant}`];
    throughput[variant] = {
      runs: throughputRuns[variant],
      medianRequestsPerSecond: median(rates(variant)),
      ...(error === undefined ? {} : { error }),
    };
  }
  const latency: GatewayResult['latency'] = {};
  for (const variant of settings.latencyVariants) {
    const runs = latencyRuns[variant];
    const error = errors[`latency ${variant}`];
    latency[variant] = {
      runs,
      medianP50Ms: median(runs.map((run) => run.p50Ms)),
      medianP99Ms: median(runs.map((run) => run.p99Ms)),
      medianMaxMs: median(runs.map((run) => run.maxMs)),
      ...(error === undefined ? {} : { error }),
    };
  }
  const ratioGatewayToBaseline = medianRatio(rates('gateway'), rates('baseline'));
  const gatewayP99 = latency.gateway?.medianP99Ms ?? Number.NaN;
  return {
    connections: settings.connections,
    bodyBytes: settings.bodyBytes,
    throughput,
    latency,
    ratioGatewayToBaseline,
    ratioGatewayToCeiling: medianRatio(rates('gateway'), rates('ceiling')),
    targets: {
      throughput: target(
        `gateway >= ${GATEWAY_TARGET_RATIO}x express + standardwebhooks + awaited kafkajs send, req/s at ${settings.connections} connections`,
        ratioGatewayToBaseline,
        '>=',
        GATEWAY_TARGET_RATIO,
      ),
      latency: target(
        `gateway p99 <= ${GATEWAY_TARGET_P99_MS} ms at a fixed ${settings.rate} req/s`,
        gatewayP99,
        '<=',
        GATEWAY_TARGET_P99_MS,
      ),
    },
  };
}

type RequestSetup = () => autocannon.Request;

/**
 * Each request signed for itself: a fresh webhook-id, the current time, the same body.
 * Signing costs the bench process a few microseconds per request, alike for every variant.
 */
function signedRequests(secret: string, bodyBytes: number): RequestSetup {
  const webhook = new Webhook(secret);
  // A Stripe-like JSON event of about `bodyBytes`.
  const shape = (filler: string): string =>
    JSON.stringify({
      type: 'invoice.paid',
      data: { id: 'in_1MtHbELkdIwHu7ixl4OzzPMv', amount_paid: 133875, currency: 'eur', filler },
    });
  const json = shape('x'.repeat(Math.max(0, bodyBytes - shape('').length)));
  const runId = randomBytes(4).toString('hex');
  let next = 0;
  return () => {
    const id = `msg_${runId}_${next++}`;
    const now = new Date();
    return {
      method: 'POST',
      path: `/webhooks/${SOURCE}`,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1_000)),
        'webhook-signature': webhook.sign(id, now, json),
      },
      body: json,
    };
  };
}

function load(
  server: BenchProcess,
  next: RequestSetup,
  options: { connections: number; duration: number; overallRate?: number },
): Promise<autocannon.Result> {
  return autocannon({
    url: server.url('/'),
    connections: options.connections,
    duration: options.duration,
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
    // A request that gets no answer in 10 s counts as an error (a timeout), not a hang.
    timeout: 10,
    requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }],
  });
}
