/**
 * The business flows of the platform end to end: every service a flow needs runs as its own
 * process (from source), on the real Kafka, PostgreSQL, MongoDB and RabbitMQ of the test
 * infrastructure, with the default router rules. What each flow shows is what its users
 * see: the final event, the message on RabbitMQ, and `flowline trace` of the chain, all
 * under the one correlation id the first event got.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import MailComposer from 'nodemailer/lib/mail-composer';
import { Webhook } from 'standardwebhooks';
import { topicNames } from '@flowline/event-schemas';
import {
  createScratchDatabase,
  ScratchDatabase,
  testInfra,
  TopicProbe,
  uniqueTopicPrefix,
  waitFor,
} from '@flowline/testing';
import { runFlowline } from './flowline-command';
import { REPO_ROOT, ServiceProcess, spawnService, terminate, waitUntilReady } from './service-process';

interface TraceNodeJson {
  id: string;
  type: string;
  status: string;
  children: TraceNodeJson[];
}

function flatten(nodes: readonly TraceNodeJson[]): TraceNodeJson[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}

const INVOICE_FIXTURE = join(REPO_ROOT, 'apps/invoice-agent/fixtures/de-consulting');

describe('business flows, end to end', () => {
  const { KAFKA_BROKERS, DATABASE_URL, AMQP_URL } = testInfra();
  const prefix = uniqueTopicPrefix('flows');
  const topics = topicNames(prefix);
  const mailSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const exchange = `${prefix}notifications`;
  const services = new Map<string, ServiceProcess>();
  let database: ScratchDatabase;
  let claimDir: string;
  let env: Record<string, string>;
  let probe: TopicProbe;
  let rabbit: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  const announced: amqp.ConsumeMessage[] = [];

  beforeAll(async () => {
    database = await createScratchDatabase(DATABASE_URL, 'e2e_flows');
    claimDir = mkdtempSync(join(tmpdir(), 'flowline-flows-claims-'));
    env = {
      KAFKA_BROKERS,
      DATABASE_URL: database.url,
      AMQP_URL,
      FLOWLINE_TOPIC_PREFIX: prefix,
      CLAIM_CHECK_DIR: claimDir,
      NOTIFY_EXCHANGE: exchange,
      LOG_LEVEL: 'info',
    };
    const own: Record<string, Record<string, string>> = {
      'webhook-gateway': {
        WEBHOOK_SOURCE_NAME: 'mail',
        WEBHOOK_KIND: 'email',
        WEBHOOK_SCHEME: 'standard-webhooks',
        WEBHOOK_SECRET: mailSecret,
      },
    };
    const apps = ['event-archiver', 'webhook-gateway', 'router', 'email-agent', 'invoice-agent', 'notifier'];
    const started = await Promise.all(apps.map((app) => spawnService(app, { ...env, ...own[app] })));
    started.forEach((service) => services.set(service.app, service));
    await Promise.all(started.map((service) => waitUntilReady(service)));

    probe = await TopicProbe.start(KAFKA_BROKERS, [topics.domainEvents]);
    // A receiver's own queue on the notifier's exchange, bound to the results it wants.
    rabbit = await amqp.connect(AMQP_URL);
    channel = await rabbit.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    queue = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(queue, exchange, 'invoice.#');
    await channel.consume(queue, (message) => message && announced.push(message), { noAck: true });
  });

  afterAll(async () => {
    await rabbit?.close();
    await probe?.stop();
    await Promise.all([...services.values()].map((service) => terminate(service)));
    await database?.drop();
    if (claimDir !== undefined) rmSync(claimDir, { recursive: true, force: true });
  });

  const service = (app: string): ServiceProcess => {
    const found = services.get(app);
    if (found === undefined) throw new Error(`${app} was not started`);
    return found;
  };

  async function traceOf(correlationId: string, until: (nodes: TraceNodeJson[]) => boolean): Promise<TraceNodeJson[]> {
    return waitFor(
      async () => {
        const result = await runFlowline(['trace', correlationId, '--json'], env);
        if (result.code !== 0) return undefined;
        const nodes = flatten((JSON.parse(result.stdout) as { roots: TraceNodeJson[] }).roots);
        return until(nodes) ? nodes : undefined;
      },
      { description: `the trace of ${correlationId}`, timeoutMs: 60_000, intervalMs: 1_000 },
    );
  }

  it('(1) an inbound email with a PDF invoice ends in invoice.processed and a RabbitMQ message, one correlation id, shown by flowline trace', async () => {
    const expected = JSON.parse(readFileSync(`${INVOICE_FIXTURE}.expected.json`, 'utf8')) as {
      invoiceNumber: string;
      total: string;
      currency: string;
    };
    const mime = await new MailComposer({
      from: 'Accounts <billing@consulting.example>',
      to: 'ap@flowline.example',
      subject: `Invoice ${expected.invoiceNumber}`,
      text: 'Dear team,\n\nplease find our invoice attached. Payment within 14 days.\n\nKind regards',
      attachments: [{ filename: 'invoice.pdf', content: readFileSync(`${INVOICE_FIXTURE}.pdf`) }],
    })
      .compile()
      .build();
    // Signed the way a Standard Webhooks sender signs (the reference library).
    const deliveryId = `msg_${prefix}`;
    const timestamp = new Date();
    const signature = new Webhook(mailSecret).sign(deliveryId, timestamp, mime.toString('latin1'));
    const response = await fetch(service('webhook-gateway').url('/webhooks/mail'), {
      method: 'POST',
      headers: {
        'content-type': 'message/rfc822',
        'webhook-id': deliveryId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body: mime,
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };

    const processed = await probe.waitFor(
      (message) => message.event?.type === 'invoice.processed' && message.event.correlationid === id,
      { timeoutMs: 60_000 },
    );
    expect(processed.event?.data).toMatchObject({
      fields: {
        invoiceNumber: expected.invoiceNumber,
        currency: expected.currency,
        // The fixture states "4325.13"; the event carries integer minor units.
        total: { amountMinor: Number(expected.total.replace('.', '')), currency: expected.currency },
      },
    });
    const classified = probe.messages.find(
      (message) => message.event?.type === 'email.classified' && message.event.correlationid === id,
    );
    expect(classified?.event?.data).toMatchObject({ category: 'invoice' });

    // The result announced on RabbitMQ: routing key = type, message id = the event id.
    const message = await waitFor(
      () => announced.find((candidate) => candidate.properties.messageId === processed.event?.id),
      { description: 'invoice.processed on RabbitMQ', timeoutMs: 30_000 },
    );
    expect(message.fields.routingKey).toBe('invoice.processed');
    expect(JSON.parse(message.content.toString('utf8'))).toMatchObject({ id: processed.event?.id, correlationid: id });

    // What the on-call engineer runs: one tree from the webhook to the decision.
    const nodes = await traceOf(id, (all) => all.some((node) => node.type === 'invoice.processed'));
    expect(nodes.map((node) => node.type)).toEqual(
      expect.arrayContaining(['email.incoming', 'email.classified', 'invoice.received', 'invoice.processed']),
    );
    const text = await runFlowline(['trace', id], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('invoice.processed');
  });
});
