/**
 * Notifier throughput, as deployed (`node apps/notifier/dist/main.js`, both consumer groups
 * running, as in production), against bare clients doing the same sends in the same batches.
 * Target for each: notifier ≥ 0.8 × bare.
 *
 * - **rabbitmq**: `--events` `invoice.processed` events are written to the run's own
 *   3-partition `events.domain` (event i on partition i % 3) before the notifier starts, with
 *   a unique NOTIFY_EXCHANGE. Its window runs from the first to the last message arriving at a
 *   RabbitMQ consumer of this bench bound (`#`) to that exchange; publishes/s = (N − 1) / window.
 *   The notifier publishes each event over a confirm channel and handles the next event of a
 *   partition only after the confirm (libs/messaging: one event in hand per partition, three
 *   partitions at a time), so the baseline (notifier-baseline.ts, its own process) is one
 *   amqplib confirm channel with three lanes, each publishing its partition's messages in order
 *   and awaiting each confirm. Same messages (body, routing key, properties, ce-* headers),
 *   same exchange and queue, same window.
 * - **webhooks**: one subscription (libs/subscriptions' store, as `flowline subscriptions add`)
 *   to a receiver in this bench at 127.0.0.1 (NOTIFY_WEBHOOK_ALLOWED_NETWORKS=loopback) and
 *   `--deliveries` events on `events.domain`. The receiver first holds every request it gets,
 *   so the dispatcher's NOTIFY_WEBHOOK_CONCURRENCY slots fill and stay busy while the rest are
 *   queued in PostgreSQL; once both consumer groups have committed every event, the receiver
 *   answers the held ones and from then on answers each at once (204). Window: that release to
 *   the last delivery's arrival; deliveries/s = (N − held) / window, so what is measured is the
 *   dispatcher draining a queue (claim, sign, POST, group-committed delivered marks), not
 *   the staging consumer. The baseline (its own process) POSTs the same bodies with the same
 *   signature headers with node:http (as the sender does: keep-alive agent, 32 sockets) at the
 *   same concurrency; window from its first to its last arrival.
 * - Variants alternate (baseline, notifier, …) `--repeat` times; figures are medians and each
 *   ratio is the median of the per-repetition ratios. CPU per message of each process and of
 *   the whole machine over each window is printed too.
 *
 *   npm run bench:notifier                            # builds notifier and testing, then runs
 *   npm run bench:notifier -- --phases webhooks --repeat 5
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import amqp from 'amqplib';
import pg from 'pg';
import { createEvent, encodeEvent, topicNames, type FlowlineEvent } from '@flowline/event-schemas';
import { SubscriptionStore } from '@flowline/subscriptions';
import { createScratchDatabase, type ScratchDatabase } from '@flowline/testing';
import { signStandardWebhook } from '@flowline/webhooks';
import {
  BenchProcess,
  cpuSeconds,
  killAll,
  machineBusySeconds,
  REPO_ROOT,
  spawnBenchScript,
  spawnService,
} from '../ingress/child-process';
import { BenchKafka, quietKafkajsNoise } from '../messaging/bench-kafka';
import { median } from '../messaging/percentiles';
import { target } from '../messaging/target';
import { readFlags } from '../shared/bench-flags';
import type { BaselineAmqpMessage, BaselineWebhook } from './notifier-baseline';

const TARGET_RATIO = 0.8;
const PARTITIONS = 3;
const PHASES = ['rabbitmq', 'webhooks'] as const;
type Phase = (typeof PHASES)[number];

const flags = readFlags(
  {
    phases: { help: 'which comparisons to run (rabbitmq, webhooks)', default: 'rabbitmq,webhooks' },
    events: { help: 'events the notifier publishes to RabbitMQ per run', default: '3000' },
    deliveries: { help: 'webhook deliveries per run', default: '3000' },
    concurrency: { help: 'NOTIFY_WEBHOOK_CONCURRENCY, and the bare loop’s requests in flight', default: '16' },
    repeat: { help: 'repetitions of (baseline, notifier) per phase', default: '3' },
    seconds: { help: 'deadline of one run', default: '180' },
  },
  process.argv.slice(2),
  process.env,
  { command: 'npm run bench:notifier' },
);

const BASELINE_SCRIPT = '../agents/notifier-baseline.ts';

interface Run {
  perSecond: number;
  /** CPU of the process that sends (notifier or baseline) per message, ms. */
  cpuMillisPerMessage: number;
  /** The whole machine's busy time per message (sender, brokers, PostgreSQL, this bench), ms. */
  machineCpuMillisPerMessage: number;
}

interface Settings {
  kafka: BenchKafka;
  amqpUrl: string;
  databaseUrl: string;
  workDir: string;
  env: Record<string, string>;
}

/** An invoice.processed as the invoice agent emits it (a realistic body, ~1 KB structured). */
function invoiceProcessed(n: number): FlowlineEvent<'invoice.processed'> {
  const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
  const invoiceNumber = `2026-${String(n).padStart(6, '0')}`;
  return createEvent(
    'invoice.processed',
    {
      documentSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      fields: {
        invoiceNumber,
        issueDate: '2026-11-30',
        dueDate: '2026-12-30',
        supplier: { name: 'Supplier GmbH', vatId: 'DE123456789' },
        currency: 'EUR',
        lines: [
          {
            description: 'Consulting, November',
            quantity: '12.5',
            unitPrice: eur(9000),
            taxRatePercent: '19',
            net: eur(112500),
          },
        ],
        net: eur(112500),
        tax: eur(21375),
        total: eur(133875),
      },
      validation: { valid: true, issues: [] },
      decision: 'approved',
      confidence: 0.97,
    },
    { source: '/invoice-agent', subject: invoiceNumber },
  );
}

/**
 * The body and properties the notifier builds for an event (apps/notifier
 * notification-message.ts: the structured CloudEvent, ce-* header copies), so the baseline
 * sends messages of the same size and shape. Apps are not imported from elsewhere.
 */
function notificationOf(event: FlowlineEvent): { routingKey: string; body: Buffer; options: amqp.Options.Publish } {
  const attributes: Record<string, string | number> = {
    specversion: event.specversion,
    id: event.id,
    source: event.source,
    type: event.type,
    time: event.time,
    datacontenttype: event.datacontenttype,
  };
  if (event.subject !== undefined) attributes['subject'] = event.subject;
  attributes['correlationid'] = event.correlationid;
  if (event.causationid !== undefined) attributes['causationid'] = event.causationid;
  attributes['schemaversion'] = event.schemaversion;
  attributes['partitionkey'] = event.partitionkey;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) headers[`ce-${name}`] = String(value);
  return {
    routingKey: event.type,
    body: Buffer.from(JSON.stringify({ ...attributes, data: event.data })),
    options: {
      persistent: true,
      contentType: 'application/cloudevents+json',
      messageId: event.id,
      type: event.type,
      timestamp: Math.floor(Date.parse(event.time) / 1_000),
      correlationId: event.correlationid,
      appId: 'flowline-notifier',
      headers,
    },
  };
}

/** Writes the events to the prefix's events.domain, event i on partition i % 3, before anyone reads. */
async function preload(kafka: BenchKafka, prefix: string, events: readonly FlowlineEvent[]): Promise<string> {
  const topic = topicNames(prefix).domainEvents;
  await kafka.createTopics([topic], PARTITIONS);
  const producer = kafka.kafka.producer({ allowAutoTopicCreation: false, idempotent: true });
  await producer.connect();
  try {
    for (let start = 0; start < events.length; start += 200) {
      await producer.send({
        topic,
        acks: -1,
        messages: events
          .slice(start, start + 200)
          .map((event, index) => ({ ...encodeEvent(event), partition: (start + index) % PARTITIONS })),
      });
    }
  } finally {
    await producer.disconnect();
  }
  return topic;
}

/** Arrival times at this bench's side (a RabbitMQ queue or the HTTP receiver), once per message id. */
class Arrivals {
  private readonly seen = new Set<string>();
  first: number | undefined;
  last: number | undefined;
  private waiting: { count: number; resolve: () => void } | undefined;
  onFirst: (() => void) | undefined;
  onCount: { count: number; run: () => void } | undefined;

  get count(): number {
    return this.seen.size;
  }

  record(id: string): void {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const now = performance.now();
    if (this.first === undefined) {
      this.first = now;
      this.onFirst?.();
    }
    this.last = now;
    if (this.onCount !== undefined && this.seen.size >= this.onCount.count) {
      this.onCount.run();
      this.onCount = undefined;
    }
    if (this.waiting !== undefined && this.seen.size >= this.waiting.count) {
      this.waiting.resolve();
      this.waiting = undefined;
    }
  }

  /** Resolves once `count` distinct ids arrived; fails if `sender` exits first (unless it exited 0) or at the deadline. */
  async until(count: number, sender: BenchProcess, deadline: number): Promise<void> {
    const reached = new Promise<void>((resolve) => {
      if (this.seen.size >= count) resolve();
      else this.waiting = { count, resolve };
    });
    for (;;) {
      const tick = new Promise<'tick'>((resolve) => setTimeout(() => resolve('tick'), 200));
      if ((await Promise.race([reached.then(() => 'done' as const), tick])) === 'done') return;
      if (!sender.running() && (await sender.exited) !== 0)
        throw new Error(`${sender.name} exited before ${count} arrived (${this.seen.size}); see ${sender.logFile}`);
      if (Date.now() > deadline)
        throw new Error(`only ${this.seen.size} of ${count} arrived within --seconds; see ${sender.logFile}`);
    }
  }
}

/** CPU of one process and of the machine between two moments of a run. */
class CpuWindow {
  private start: { process: number; machine: number } | undefined;
  private end: { process: number; machine: number } | undefined;

  constructor(private readonly pid: number | undefined) {}

  open(): void {
    this.start = { process: cpuSeconds(this.pid), machine: machineBusySeconds() };
  }

  close(): void {
    this.end = { process: cpuSeconds(this.pid), machine: machineBusySeconds() };
  }

  perMessage(messages: number): { process: number; machine: number } {
    if (this.start === undefined || this.end === undefined) return { process: Number.NaN, machine: Number.NaN };
    return {
      process: ((this.end.process - this.start.process) * 1000) / messages,
      machine: ((this.end.machine - this.start.machine) * 1000) / messages,
    };
  }
}

// ---------------------------------------------------------------- RabbitMQ

/** The run's exchange is durable (as the notifier declares it): removed after the run. */
async function deleteExchange(connection: amqp.ChannelModel, exchange: string): Promise<void> {
  try {
    const channel = await connection.createChannel();
    await channel.deleteExchange(exchange);
    await channel.close();
  } catch {
    // Already gone, or the connection is: nothing to clean.
  }
}

async function rabbitMqRun(settings: Settings, variant: 'baseline' | 'notifier', run: number): Promise<Run> {
  const { kafka, amqpUrl, workDir } = settings;
  const count = flags.positive('events');
  const prefix = kafka.name(`rmq${run}${variant[0] ?? ''}.`);
  const exchange = `${prefix}notifications`;
  const events = Array.from({ length: count }, (_, n) => invoiceProcessed(n));
  const connection = await amqp.connect(amqpUrl);
  const arrivals = new Arrivals();
  let sender: BenchProcess | undefined;
  try {
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, '#');
    await channel.consume(
      queue,
      (message) => {
        if (message !== null) arrivals.record(String(message.properties.messageId));
      },
      { noAck: true },
    );
    if (variant === 'notifier') {
      await preload(kafka, prefix, events);
      sender = await spawnService(
        'notifier',
        { ...settings.env, FLOWLINE_TOPIC_PREFIX: prefix, NOTIFY_EXCHANGE: exchange },
        workDir,
        `notifier-rabbitmq-${run}`,
      );
    } else {
      const input = join(workDir, `rabbitmq-${run}.json`);
      const messages: BaselineAmqpMessage[] = events.map((event) => {
        const { routingKey, body, options } = notificationOf(event);
        return { routingKey, content: body.toString('base64'), options };
      });
      await writeFile(input, JSON.stringify(messages));
      sender = await spawnBenchScript(
        BASELINE_SCRIPT,
        {
          BENCH_MODE: 'rabbitmq',
          BENCH_INPUT: input,
          BENCH_EXCHANGE: exchange,
          BENCH_LANES: String(PARTITIONS),
          AMQP_URL: amqpUrl,
        },
        workDir,
        `baseline-rabbitmq-${run}`,
      );
    }
    const cpu = new CpuWindow(sender.pid);
    arrivals.onFirst = () => cpu.open();
    arrivals.onCount = { count, run: () => cpu.close() };
    await arrivals.until(count, sender, Date.now() + flags.positive('seconds') * 1000);
    const seconds = ((arrivals.last ?? 0) - (arrivals.first ?? 0)) / 1000;
    const used = cpu.perMessage(count - 1);
    return {
      perSecond: (count - 1) / seconds,
      cpuMillisPerMessage: used.process,
      machineCpuMillisPerMessage: used.machine,
    };
  } finally {
    await sender?.stop();
    await deleteExchange(connection, exchange);
    await connection.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- Webhooks

/** The local endpoint: counts deliveries by webhook-id; holds requests until `release()`, then answers each at once. */
class Receiver {
  arrivals = new Arrivals();
  /** The webhook-ids of the requests held now. */
  readonly heldIds = new Set<string>();
  private server: Server | undefined;
  private holding = false;
  private held: ServerResponse[] = [];
  releasedAt: number | undefined;
  port = 0;

  async start(): Promise<void> {
    const server = createServer({ keepAliveTimeout: 60_000 }, (request: IncomingMessage, response: ServerResponse) => {
      request.resume();
      request.on('end', () => {
        const id = request.headers['webhook-id'];
        if (this.holding) {
          this.held.push(response);
          if (typeof id === 'string') this.heldIds.add(id);
          return;
        }
        if (typeof id === 'string') this.arrivals.record(id);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    this.server = server;
  }

  /** A fresh count for the next run; `hold` makes it hold requests until `release()`. */
  reset(hold: boolean): Arrivals {
    this.arrivals = new Arrivals();
    this.heldIds.clear();
    this.held = [];
    this.holding = hold;
    this.releasedAt = undefined;
    return this.arrivals;
  }

  /** Answers the held requests (204) and every later one at once; answers how many were held. */
  release(): number {
    this.holding = false;
    this.releasedAt = performance.now();
    const held = this.held.splice(0);
    for (const response of held) response.writeHead(204).end();
    return held.length;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/flowline`;
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function webhookRun(
  settings: Settings,
  receiver: Receiver,
  pool: pg.Pool,
  variant: 'baseline' | 'notifier',
  run: number,
): Promise<Run> {
  const { kafka, workDir } = settings;
  const count = flags.positive('deliveries');
  const concurrency = flags.positive('concurrency');
  const prefix = kafka.name(`wh${run}${variant[0] ?? ''}.`);
  const events = Array.from({ length: count }, (_, n) => invoiceProcessed(n));
  const deadline = Date.now() + flags.positive('seconds') * 1000;
  let sender: BenchProcess | undefined;
  try {
    if (variant === 'notifier') {
      const arrivals = receiver.reset(true);
      const store = new SubscriptionStore(pool, prefix);
      await store.ensureSchema();
      await store.add({ url: receiver.url, eventTypes: ['invoice.*'], description: 'bench receiver' });
      const topic = await preload(kafka, prefix, events);
      sender = await spawnService(
        'notifier',
        {
          ...settings.env,
          FLOWLINE_TOPIC_PREFIX: prefix,
          NOTIFY_EXCHANGE: `${prefix}notifications`,
          NOTIFY_WEBHOOK_ALLOWED_NETWORKS: 'loopback',
          NOTIFY_WEBHOOK_CONCURRENCY: String(concurrency),
          // Requests stay held while the queue fills: no attempt may time out meanwhile.
          NOTIFY_WEBHOOK_TIMEOUT_MS: String(flags.positive('seconds') * 1000),
        },
        workDir,
        `notifier-webhooks-${run}`,
      );
      // The dispatcher claims again only when a quarter of its slots are free (webhook-dispatcher.ts): full means this many held.
      const slotsFilled = concurrency - Math.ceil(concurrency / 4) + 1;
      // Both groups done: every delivery is queued, the RabbitMQ side is idle, the slots are full.
      for (;;) {
        if (!sender.running()) throw new Error(`the notifier exited; see ${sender.logFile}`);
        const staged = await kafka.committedTotal(`${prefix}notifier-webhooks`, topic);
        const announced = await kafka.committedTotal(`${prefix}notifier`, topic);
        if (staged >= count && announced >= count && receiver.heldIds.size >= Math.min(slotsFilled, count)) break;
        if (Date.now() > deadline)
          throw new Error(
            `the notifier did not queue every delivery (staged ${staged}, announced ${announced}, requests held ${receiver.heldIds.size} of ${count}); see ${sender.logFile}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const cpu = new CpuWindow(sender.pid);
      cpu.open();
      const heldIds = [...receiver.heldIds];
      const held = receiver.release();
      for (const id of heldIds) arrivals.record(id);
      arrivals.onCount = { count, run: () => cpu.close() };
      await arrivals.until(count, sender, deadline);
      const seconds = ((arrivals.last ?? 0) - (receiver.releasedAt ?? 0)) / 1000;
      const used = cpu.perMessage(count - held);
      return {
        perSecond: (count - held) / seconds,
        cpuMillisPerMessage: used.process,
        machineCpuMillisPerMessage: used.machine,
      };
    }
    const arrivals = receiver.reset(false);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const deliveries: BaselineWebhook[] = events.map((event) => {
      const body = notificationOf(event).body;
      return {
        body: body.toString('base64'),
        headers: { ...signStandardWebhook(body, { id: event.id, timestamp: new Date(), secrets: [secret] }) },
      };
    });
    const input = join(workDir, `webhooks-${run}.json`);
    await writeFile(input, JSON.stringify(deliveries));
    sender = await spawnBenchScript(
      BASELINE_SCRIPT,
      { BENCH_MODE: 'webhooks', BENCH_INPUT: input, BENCH_URL: receiver.url, BENCH_CONCURRENCY: String(concurrency) },
      workDir,
      `baseline-webhooks-${run}`,
    );
    const cpu = new CpuWindow(sender.pid);
    arrivals.onFirst = () => cpu.open();
    arrivals.onCount = { count, run: () => cpu.close() };
    await arrivals.until(count, sender, deadline);
    const seconds = ((arrivals.last ?? 0) - (arrivals.first ?? 0)) / 1000;
    const used = cpu.perMessage(count - 1);
    return {
      perSecond: (count - 1) / seconds,
      cpuMillisPerMessage: used.process,
      machineCpuMillisPerMessage: used.machine,
    };
  } finally {
    receiver.release();
    await sender?.stop();
    if (variant === 'notifier') {
      const connection = await amqp.connect(settings.amqpUrl);
      await deleteExchange(connection, `${prefix}notifications`);
      await connection.close().catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------- Report

interface PhaseResult {
  baseline: Run[];
  notifier: Run[];
  ratios: number[];
}

function summary(phase: Phase, result: PhaseResult) {
  const pick = (runs: Run[], field: keyof Run) => median(runs.map((run) => run[field]));
  const ratio = median(result.ratios);
  const what = phase === 'rabbitmq' ? 'RabbitMQ publishes/s with confirms' : 'outbound webhook deliveries/s';
  const bare =
    phase === 'rabbitmq' ? 'a bare amqplib confirm channel, 3 lanes' : 'a bare node:http loop, same concurrency';
  return {
    baselinePerSecond: pick(result.baseline, 'perSecond'),
    notifierPerSecond: pick(result.notifier, 'perSecond'),
    baselineRuns: result.baseline.map((run) => run.perSecond),
    notifierRuns: result.notifier.map((run) => run.perSecond),
    baselineCpuMillisPerMessage: pick(result.baseline, 'cpuMillisPerMessage'),
    notifierCpuMillisPerMessage: pick(result.notifier, 'cpuMillisPerMessage'),
    baselineMachineCpuMillisPerMessage: pick(result.baseline, 'machineCpuMillisPerMessage'),
    notifierMachineCpuMillisPerMessage: pick(result.notifier, 'machineCpuMillisPerMessage'),
    ratio,
    target: target(`notifier ${what} ≥ ${TARGET_RATIO} × ${bare}`, ratio, '>=', TARGET_RATIO),
  };
}

async function main(): Promise<void> {
  quietKafkajsNoise();
  const phases = flags.list('phases', PHASES);
  const repeat = flags.positive('repeat');
  const brokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
  const serverUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:55432/flowline';
  const amqpUrl = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
  const kafka = new BenchKafka(brokers.split(','), new Date());
  const workDir = await mkdtemp(join(tmpdir(), 'bench-notifier-'));
  let database: ScratchDatabase | undefined;
  let pool: pg.Pool | undefined;
  const receiver = new Receiver();
  const results: Partial<Record<Phase, PhaseResult>> = {};
  try {
    database = await createScratchDatabase(serverUrl, 'bench_notifier');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await receiver.start();
    const settings: Settings = {
      kafka,
      amqpUrl,
      databaseUrl: database.url,
      workDir,
      env: {
        KAFKA_BROKERS: brokers,
        DATABASE_URL: database.url,
        AMQP_URL: amqpUrl,
        LOG_LEVEL: 'warn',
        ...(process.env['BENCH_NOTIFIER_NODE_OPTIONS'] === undefined
          ? {}
          : { NODE_OPTIONS: process.env['BENCH_NOTIFIER_NODE_OPTIONS'] }),
      },
    };
    for (const phase of phases) {
      const result: PhaseResult = { baseline: [], notifier: [], ratios: [] };
      results[phase] = result;
      for (let run = 1; run <= repeat; run += 1) {
        const measure = (variant: 'baseline' | 'notifier') =>
          phase === 'rabbitmq'
            ? rabbitMqRun(settings, variant, run)
            : webhookRun(settings, receiver, pool as pg.Pool, variant, run);
        const baseline = await measure('baseline');
        const notifier = await measure('notifier');
        result.baseline.push(baseline);
        result.notifier.push(notifier);
        result.ratios.push(notifier.perSecond / baseline.perSecond);
        process.stderr.write(
          `${phase} run ${run}/${repeat}: bare ${baseline.perSecond.toFixed(0)}/s (${baseline.cpuMillisPerMessage.toFixed(2)} ms CPU/msg), notifier ${notifier.perSecond.toFixed(0)}/s (${notifier.cpuMillisPerMessage.toFixed(2)} ms CPU/msg)\n`,
        );
      }
    }
  } finally {
    await receiver.stop().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await kafka.cleanUp().catch(() => undefined);
    await kafka.stop().catch(() => undefined);
    await database?.drop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  }

  const report = {
    bench: 'agents/notifier-throughput',
    events: flags.positive('events'),
    deliveries: flags.positive('deliveries'),
    concurrency: flags.positive('concurrency'),
    repeat,
    ...(results.rabbitmq === undefined ? {} : { rabbitmq: summary('rabbitmq', results.rabbitmq) }),
    ...(results.webhooks === undefined ? {} : { webhooks: summary('webhooks', results.webhooks) }),
  };
  const lines = ['| figure | bare | notifier |', '|---|---|---|'];
  const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
  for (const phase of phases) {
    const figures = report[phase];
    if (figures === undefined) continue;
    const unit = phase === 'rabbitmq' ? 'publishes/s (confirmed)' : 'deliveries/s';
    lines.push(
      `| ${phase}: ${unit}, median | ${fixed(figures.baselinePerSecond)} | ${fixed(figures.notifierPerSecond)} |`,
      `| ${phase}: runs | ${figures.baselineRuns.map((value) => fixed(value)).join(', ')} | ${figures.notifierRuns.map((value) => fixed(value)).join(', ')} |`,
      `| ${phase}: sender process CPU per message, ms | ${fixed(figures.baselineCpuMillisPerMessage, 2)} | ${fixed(figures.notifierCpuMillisPerMessage, 2)} |`,
      `| ${phase}: whole machine CPU per message, ms | ${fixed(figures.baselineMachineCpuMillisPerMessage, 2)} | ${fixed(figures.notifierMachineCpuMillisPerMessage, 2)} |`,
      `| ${phase}: ratio (target ≥ ${TARGET_RATIO}) | | ${fixed(figures.ratio, 2)} ${figures.target.met ? 'met' : 'NOT met'} |`,
    );
  }
  process.stdout.write([...lines, '', JSON.stringify(report), ''].join('\n'));
  const output = join(REPO_ROOT, 'bench', 'agents', 'results', 'notifier-throughput.json');
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  killAll();
  console.error(error);
  process.exitCode = 1;
});
