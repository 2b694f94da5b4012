/**
 * Flow latency of the invoice-from-email flow, as deployed: each service its own process
 * (`node apps/<app>/dist/main.js`) on the local Kafka, PostgreSQL and RabbitMQ, the default
 * router rules. A signed inbound-mail webhook with a PDF invoice attached goes
 *   webhook-gateway → ingress.webhook → router → agent.email → email-agent (MIME, classify,
 *   claim check) → events.domain → router → agent.invoice → invoice-agent (PDF text, extract,
 *   validate, decide, PostgreSQL inbox) → events.domain → notifier → RabbitMQ.
 * Measured per flow: from the gateway's 202 (accepted) to the `invoice.processed` message
 * arriving at a RabbitMQ consumer bound to the notifier's exchange (matched by correlation
 * id). Flows are sent open-loop at `--rate` per second (each at its scheduled time, whether or
 * not earlier ones were answered) for `--seconds`, after `--warmup` flows that are not counted.
 * Every invoice is a different one (its own number), so the invoice agent decides each anew.
 * Target: p99 ≤ 1 s at 20 flows/s (the seed promises seconds).
 *
 *   npm run bench:flow                 # builds the five services, then runs (about a minute)
 *   npm run bench:flow -- --rate 20 --seconds 30
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import amqp from 'amqplib';
import MailComposer from 'nodemailer/lib/mail-composer';
import { Webhook } from 'standardwebhooks';
import { createScratchDatabase, minimalPdf } from '@flowline/testing';
import { BenchProcess, killAll, REPO_ROOT, spawnService, waitUntilReady } from '../ingress/child-process';
import { BenchKafka, quietKafkajsNoise } from '../messaging/bench-kafka';
import { summarizeLatencies } from '../messaging/percentiles';
import { target } from '../messaging/target';
import { readFlags } from '../shared/bench-flags';

const TARGET_P99_MS = 1000;
const APPS = ['webhook-gateway', 'router', 'email-agent', 'invoice-agent', 'notifier'] as const;

const flags = readFlags(
  {
    rate: { help: 'flows (signed inbound mails) per second', default: '20' },
    seconds: { help: 'seconds of measured load', default: '30' },
    warmup: { help: 'flows sent first and not counted (JIT, connections, group joins)', default: '40' },
    drain: { help: 'seconds to wait for the last flows after sending ends', default: '60' },
  },
  process.argv.slice(2),
  process.env,
  { command: 'npm run bench:flow --' },
);

/** The n-th supplier invoice mail: its own invoice number, quantities and totals. */
function invoiceMail(runId: string, n: number): Promise<Buffer> {
  const number = `FL-${runId}-${String(n).padStart(5, '0')}`;
  const quantity = 1 + (n % 9);
  const netCents = quantity * 4250;
  const taxCents = Math.round(netCents * 0.19);
  const euros = (cents: number): string => (cents / 100).toFixed(2);
  const pdf = minimalPdf([
    'Northwind Supplies GmbH, Hafenstrasse 4, 20457 Hamburg',
    'VAT ID DE123456789',
    `Invoice ${number}`,
    'Invoice date: 2026-11-02  Due date: 2026-12-02',
    `Office chairs  ${quantity} x 42.50 EUR = ${euros(netCents)} EUR`,
    `Subtotal ${euros(netCents)} EUR  VAT 19% ${euros(taxCents)} EUR  Total ${euros(netCents + taxCents)} EUR`,
  ]);
  return new MailComposer({
    from: '"Northwind Billing" <billing@northwind.example>',
    to: 'ap@acme.example',
    subject: `Invoice ${number}`,
    messageId: `<${number}@northwind.example>`,
    text: `Dear customer,\nplease find attached invoice ${number}, due within 30 days.\nKind regards\nNorthwind Billing`,
    attachments: [{ filename: `${number}.pdf`, content: pdf, contentType: 'application/pdf' }],
  })
    .compile()
    .build();
}

interface Flow {
  sentAt: number;
  acceptedAt?: number;
  announcedAt?: number;
  status?: number;
}

async function main(): Promise<void> {
  quietKafkajsNoise();
  const rate = flags.positive('rate', false);
  const seconds = flags.positive('seconds', false);
  const warmup = flags.nonNegative('warmup');
  const measured = Math.round(rate * seconds);
  const total = warmup + measured;
  const brokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
  const serverUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:55432/flowline';
  const amqpUrl = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

  const kafka = new BenchKafka(brokers.split(','), new Date());
  const prefix = kafka.name('flow.');
  const runId = String(Date.now() % 1_000_000);
  const workDir = await mkdtemp(join(tmpdir(), 'bench-flow-'));
  const database = await createScratchDatabase(serverUrl, 'bench_flow');
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const exchange = `${prefix}notifications`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: brokers,
    DATABASE_URL: database.url,
    AMQP_URL: amqpUrl,
    FLOWLINE_TOPIC_PREFIX: prefix,
    CLAIM_CHECK_DIR: join(workDir, 'claims'),
    NOTIFY_EXCHANGE: exchange,
    INVOICE_AUTO_APPROVE_LIMIT: '5000 EUR',
    LOG_LEVEL: 'warn',
    WEBHOOK_SOURCE_NAME: 'mail',
    WEBHOOK_KIND: 'email',
    WEBHOOK_SCHEME: 'standard-webhooks',
    WEBHOOK_SECRET: secret,
    // The bench sends far more than a real mailbox: the source's rate limit is not what is measured.
    WEBHOOK_RATE_LIMIT_PER_MINUTE: String(Math.ceil(rate * 60 * 4)),
    WEBHOOK_RATE_LIMIT_BURST: String(Math.ceil(rate * 10)),
  };
  const processes: BenchProcess[] = [];
  let connection: amqp.ChannelModel | undefined;
  const flows = new Map<string, Flow>();
  const order: Flow[] = [];
  try {
    process.stderr.write(`composing ${total} invoice mails\n`);
    const mails = await Promise.all(Array.from({ length: total }, (_, n) => invoiceMail(runId, n)));

    for (const app of APPS) processes.push(await spawnService(app, env, workDir));
    await Promise.all(processes.map((service) => waitUntilReady(service)));
    const gateway = processes[0] as BenchProcess;

    connection = await amqp.connect(amqpUrl);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, 'invoice.processed');
    await channel.consume(
      queue,
      (message) => {
        if (message === null) return;
        const now = performance.now();
        const { correlationid } = JSON.parse(message.content.toString('utf8')) as { correlationid?: string };
        const flow = correlationid === undefined ? undefined : flows.get(correlationid);
        if (flow !== undefined && flow.announcedAt === undefined) flow.announcedAt = now;
      },
      { noAck: true },
    );

    const signer = new Webhook(secret);
    const send = async (n: number): Promise<void> => {
      const mail = mails[n] as Buffer;
      const flow: Flow = { sentAt: performance.now() };
      order.push(flow);
      const deliveryId = `msg_${runId}_${n}`;
      const timestamp = new Date();
      try {
        const response = await fetch(gateway.url('/webhooks/mail'), {
          method: 'POST',
          headers: {
            'content-type': 'message/rfc822',
            'webhook-id': deliveryId,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': signer.sign(deliveryId, timestamp, mail.toString('latin1')),
          },
          body: mail,
        });
        flow.status = response.status;
        const body = (await response.json()) as { id?: string };
        flow.acceptedAt = performance.now();
        if (response.status === 202 && body.id !== undefined) flows.set(body.id, flow);
      } catch {
        flow.status = 0;
      }
    };

    process.stderr.write(`sending ${warmup} warm-up flows, then ${measured} at ${rate}/s\n`);
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (let n = 0; n < total; n += 1) {
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(send(n));
    }
    await Promise.all(pending);
    const drainUntil = performance.now() + flags.positive('drain') * 1000;
    const counted = order.slice(warmup);
    while (performance.now() < drainUntil && counted.some((flow) => flow.status === 202 && !flow.announcedAt)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const accepted = counted.filter((flow) => flow.status === 202);
    const latencies = Float64Array.from(accepted, (flow) =>
      flow.announcedAt === undefined || flow.acceptedAt === undefined ? Number.NaN : flow.announcedAt - flow.acceptedAt,
    );
    const answer = Float64Array.from(accepted, (flow) => (flow.acceptedAt as number) - flow.sentAt);
    const summary = summarizeLatencies(latencies);
    const answered = summarizeLatencies(answer);
    const result = {
      bench: 'agents/flow-latency',
      rate,
      flows: counted.length,
      accepted: accepted.length,
      refused: counted.length - accepted.length,
      notAnnounced: summary.missing,
      acceptedToRabbitMq: { p50Ms: summary.p50Ms, p99Ms: summary.p99Ms, maxMs: summary.maxMs },
      webhookAnswer: { p50Ms: answered.p50Ms, p99Ms: answered.p99Ms },
      target: target(
        `p99 accepted → invoice.processed on RabbitMQ ≤ ${TARGET_P99_MS} ms`,
        summary.p99Ms,
        '<=',
        TARGET_P99_MS,
      ),
    };
    const msText = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : '∞');
    process.stdout.write(
      [
        '| figure | value |',
        '|---|---|',
        `| flows measured (after ${warmup} warm-up) at ${rate}/s | ${counted.length} |`,
        `| accepted (202) / refused | ${accepted.length} / ${result.refused} |`,
        `| accepted but not announced on RabbitMQ | ${summary.missing} |`,
        `| webhook answer p50 / p99, ms | ${msText(answered.p50Ms)} / ${msText(answered.p99Ms)} |`,
        `| accepted → invoice.processed on RabbitMQ p50, ms | ${msText(summary.p50Ms)} |`,
        `| accepted → invoice.processed on RabbitMQ p99, ms | ${msText(summary.p99Ms)} |`,
        `| max, ms | ${msText(summary.maxMs)} |`,
        `| target p99 ≤ ${TARGET_P99_MS} ms | ${result.target.met ? 'met' : 'NOT met'} |`,
        '',
        JSON.stringify(result),
        '',
      ].join('\n'),
    );
    const output = join(REPO_ROOT, 'bench', 'agents', 'results', 'flow-latency.json');
    await mkdir(dirname(output), { recursive: true });
    await writeFile(output, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await connection?.close().catch(() => undefined);
    await Promise.all(processes.map((service) => service.stop()));
    await kafka.cleanUp().catch(() => undefined);
    await kafka.stop().catch(() => undefined);
    await database.drop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  killAll();
  console.error(error);
  process.exitCode = 1;
});
