/**
 * The business flows of the platform end to end: every service a flow needs runs as its own
 * process (from source), on the real Kafka, PostgreSQL, MongoDB and RabbitMQ of the test
 * infrastructure, with the default router rules. What each flow shows is what its users
 * see: the final event, the message on RabbitMQ, and `flowline trace` of the chain, all
 * under the one correlation id the first event got.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import MailComposer from 'nodemailer/lib/mail-composer';
import { Webhook } from 'standardwebhooks';
import { topicNames } from '@flowline/event-schemas';
import {
  createScratchDatabase,
  dropReplicationSlot,
  ScratchDatabase,
  testInfra,
  TopicProbe,
  uniqueName,
  uniqueTopicPrefix,
  waitFor,
} from '@flowline/testing';
import { runFlowline, TraceNodeJson, traceNodes } from './flowline-command';
import { REPO_ROOT, ServiceProcess, spawnService, terminate, waitUntilReady } from './service-process';

const FIXTURES = join(REPO_ROOT, 'apps/invoice-agent/fixtures');
const INVOICE_FIXTURE = join(FIXTURES, 'de-consulting');

function expectedInvoice(name: string): { invoiceNumber: string; total: string; currency: string } {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as {
    invoiceNumber: string;
    total: string;
    currency: string;
  };
}

/** A received delivery of the outbound-webhook receiver. */
interface Delivery {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('business flows, end to end', () => {
  const { KAFKA_BROKERS, DATABASE_URL, AMQP_URL, MONGODB_URL } = testInfra();
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
  let inbox: string;
  const cdcTable = `orders_${randomBytes(4).toString('hex')}`;
  const slot = uniqueName('flows').replace(/-/g, '_');
  const readModelDatabase = `flows_${randomBytes(4).toString('hex')}`;
  // The outbound-webhook receiver: answers 500 to the first two attempts, then 200.
  const deliveries: Delivery[] = [];
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    database = await createScratchDatabase(DATABASE_URL, 'e2e_flows');
    claimDir = mkdtempSync(join(tmpdir(), 'flowline-flows-claims-'));
    inbox = mkdtempSync(join(tmpdir(), 'flowline-flows-inbox-'));
    // The table the cdc-listener watches exists before it starts (its publication names it).
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`CREATE TABLE ${cdcTable} (id text PRIMARY KEY, customer text NOT NULL, total numeric(12,2))`);
    await admin.end();
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const status = deliveries.length < 2 ? 500 : 200;
        deliveries.push({ status, headers: request.headers, body });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/invoices`;
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
      'file-watcher': { FILE_WATCH_DIR: inbox, FILE_WATCH_STABILITY_MS: '300' },
      'cdc-listener': {
        CDC_TABLES: `public.${cdcTable}`,
        CDC_SLOT: slot,
        CDC_PUBLICATION: slot,
        CDC_HEARTBEAT_INTERVAL_MS: '1000',
      },
      'sync-agent': { MONGODB_URL, SYNC_MONGODB_DATABASE: readModelDatabase },
      // Retries seconds apart instead of Svix's minutes to hours; the receiver is on loopback.
      notifier: { NOTIFY_WEBHOOK_RETRY_SCHEDULE: '0,1s,1s,1s', NOTIFY_WEBHOOK_ALLOWED_NETWORKS: 'loopback' },
    };
    const apps = [
      'event-archiver',
      'webhook-gateway',
      'file-watcher',
      'cdc-listener',
      'router',
      'email-agent',
      'document-agent',
      'invoice-agent',
      'sync-agent',
      'notifier',
    ];
    const started = await Promise.all(apps.map((app) => spawnService(app, { ...env, ...own[app] })));
    started.forEach((service) => services.set(service.app, service));
    await Promise.all(started.map((service) => waitUntilReady(service)));

    probe = await TopicProbe.start(KAFKA_BROKERS, [topics.domainEvents, topics.ingressFile, topics.ingressCdc]);
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
    receiver?.close();
    if (database !== undefined) {
      // A replication slot holds WAL (and its database) until dropped.
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        await dropReplicationSlot(admin, slot);
      } finally {
        await admin.end();
      }
      await database.drop();
    }
    for (const dir of [claimDir, inbox]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const service = (app: string): ServiceProcess => {
    const found = services.get(app);
    if (found === undefined) throw new Error(`${app} was not started`);
    return found;
  };

  async function traceOf(correlationId: string, until: (nodes: TraceNodeJson[]) => boolean): Promise<TraceNodeJson[]> {
    return waitFor(
      async () => {
        const nodes = await traceNodes(correlationId, env);
        return until(nodes) ? nodes : undefined;
      },
      { description: `the trace of ${correlationId}`, timeoutMs: 60_000, intervalMs: 1_000 },
    );
  }

  it('(1) an inbound email with a PDF invoice ends in invoice.processed and a RabbitMQ message, one correlation id, shown by flowline trace', async () => {
    const expected = expectedInvoice('de-consulting');
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

  it('(2) a PDF dropped into a watched folder ends in document.processed and invoice.processed', async () => {
    const expected = expectedInvoice('us-services');
    // Written under another name and renamed in, as an upload finishes.
    copyFileSync(join(FIXTURES, 'us-services.pdf'), join(inbox, '.upload.tmp'));
    renameSync(join(inbox, '.upload.tmp'), join(inbox, 'us-services.pdf'));

    const uploaded = await probe.waitFor(
      (message) => message.event?.type === 'file.uploaded' && message.event.data.relativePath === 'us-services.pdf',
      { timeoutMs: 60_000 },
    );
    const id = uploaded.event?.correlationid as string;
    const document = await probe.waitFor(
      (message) => message.event?.type === 'document.processed' && message.event.correlationid === id,
      { timeoutMs: 60_000 },
    );
    expect(document.event?.data).toMatchObject({ kind: 'pdf' });
    expect((document.event?.data as { text: string }).text).toContain(expected.invoiceNumber);
    const processed = await probe.waitFor(
      (message) => message.event?.type === 'invoice.processed' && message.event.correlationid === id,
      { timeoutMs: 60_000 },
    );
    expect(processed.event?.data).toMatchObject({ fields: { invoiceNumber: expected.invoiceNumber } });
    const nodes = await traceOf(id, (all) => all.some((node) => node.type === 'invoice.processed'));
    expect(nodes.map((node) => node.type)).toEqual(
      expect.arrayContaining(['file.uploaded', 'document.processed', 'invoice.received', 'invoice.processed']),
    );
  });

  it('(3) an INSERT into a watched PostgreSQL table ends in the MongoDB read model and sync.completed', async () => {
    const orderId = `ord-${randomBytes(3).toString('hex')}`;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`INSERT INTO ${cdcTable} VALUES ($1, 'Acme Corp', 1250.40)`, [orderId]);
    } finally {
      await client.end();
    }
    const change = await probe.waitFor(
      (message) =>
        message.event?.type === 'data.changed' &&
        message.event.subject === `public.${cdcTable}` &&
        JSON.stringify(message.event.data.key) === JSON.stringify({ id: orderId }),
      { timeoutMs: 60_000 },
    );
    const id = change.event?.correlationid as string;
    const completed = await probe.waitFor(
      (message) => message.event?.type === 'sync.completed' && message.event.correlationid === id,
      { timeoutMs: 60_000 },
    );
    expect(completed.event?.data).toMatchObject({ result: { status: 'applied' } });

    const mongo = await MongoClient.connect(MONGODB_URL);
    try {
      const stored = await mongo
        .db(readModelDatabase)
        .collection<{ _id: string }>(`public.${cdcTable}`)
        .findOne({ _id: orderId });
      expect(stored).toMatchObject({ id: orderId, customer: 'Acme Corp', total: '1250.40' });
    } finally {
      await mongo.close();
    }
    const nodes = await traceOf(id, (all) => all.some((node) => node.type === 'sync.completed'));
    expect(nodes.map((node) => node.type)).toEqual(expect.arrayContaining(['data.changed', 'sync.completed']));
  });

  it('(4) an outbound subscription receives a signed delivery, fails twice, then succeeds', async () => {
    const expected = expectedInvoice('uk-stationery');
    const added = await runFlowline(
      [
        'subscriptions',
        'add',
        receiverUrl,
        '--type',
        'invoice.processed',
        '--filter',
        `data.fields.invoiceNumber == "${expected.invoiceNumber}"`,
        '--json',
      ],
      env,
    );
    expect(added).toMatchObject({ code: 0 });
    const { secret } = JSON.parse(added.stdout) as { secret: string };

    copyFileSync(join(FIXTURES, 'uk-stationery.pdf'), join(inbox, 'uk-stationery.pdf'));
    await waitFor(() => deliveries.length >= 3, { description: 'three delivery attempts', timeoutMs: 90_000 });
    expect(deliveries.slice(0, 3).map((delivery) => delivery.status)).toEqual([500, 500, 200]);
    // Every attempt is the same message: same webhook-id (the event id), each signed and verifiable.
    const ids = new Set(deliveries.map((delivery) => delivery.headers['webhook-id']));
    expect(ids.size).toBe(1);
    for (const delivery of deliveries) {
      const event = new Webhook(secret).verify(delivery.body, {
        'webhook-id': String(delivery.headers['webhook-id']),
        'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
        'webhook-signature': String(delivery.headers['webhook-signature']),
      }) as { id: string; type: string; data: { fields: { invoiceNumber: string } } };
      expect(event).toMatchObject({
        type: 'invoice.processed',
        data: { fields: { invoiceNumber: expected.invoiceNumber } },
      });
      expect(event.id).toBe(delivery.headers['webhook-id']);
    }
  });
});
