/**
 * The inbox pattern on the real broker and the real PostgreSQL: redeliveries of every kind
 * apply the effect once, and a failed effect leaves nothing behind for its retry to trip on.
 */
import { Writable } from 'node:stream';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { Pool } from 'pg';
import { createEvent, encodeEvent, type FlowlineEvent } from '@flowline/event-schemas';
import { createLogger, type Logger } from '@flowline/telemetry';
import { testInfra } from '../infra-settings';
import { uniqueName } from '../unique-names';
import { waitFor } from '../wait-for';
import { startInboxStage, type InboxStage, type InboxStageOptions } from './inbox-stage';

let pool: Pool;
let admin: Admin;
let producer: Producer;
const stages: InboxStage[] = [];
const tables: string[] = [];

beforeAll(async () => {
  const infra = testInfra();
  pool = new Pool({ connectionString: infra.DATABASE_URL, max: 2 });
  const kafka = new Kafka({ brokers: infra.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await Promise.all([admin.connect(), producer.connect()]);
});

afterEach(async () => {
  await Promise.all(stages.splice(0).map((stage) => stage.stop()));
  for (const table of tables.splice(0)) await pool.query(`DROP TABLE IF EXISTS ${table}`);
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await pool?.end();
});

/** A logger whose JSON lines the test reads. */
function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  let pending = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      pending += String(chunk);
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'inbox-stage-example', destination }), lines };
}

/** A fresh topic and ledger table, and the options to start a stage on them. */
async function scenario(): Promise<Omit<InboxStageOptions, 'groupId' | 'logger'>> {
  const infra = testInfra();
  const topic = uniqueName('example.invoices');
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const table = uniqueName('example_ledger')
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  tables.push(table, `${table}_inbox`, `${table}_moved`);
  return { brokers: infra.KAFKA_BROKERS.split(','), databaseUrl: infra.DATABASE_URL, topic, table };
}

async function start(options: InboxStageOptions): Promise<InboxStage> {
  const stage = await startInboxStage(options);
  stages.push(stage);
  return stage;
}

function approvedInvoice(supplier: string, amountMinor: number): FlowlineEvent<'invoice.processed'> {
  return createEvent(
    'invoice.processed',
    {
      documentSha256: 'c'.repeat(64),
      fields: {
        invoiceNumber: uniqueName('INV'),
        supplier: { name: supplier },
        currency: 'EUR',
        lines: [],
        total: { amountMinor, currency: 'EUR' },
      },
      validation: { valid: true, issues: [] },
      decision: 'approved',
    },
    { source: '/invoice-agent' },
  );
}

async function publish(topic: string, ...events: FlowlineEvent[]): Promise<void> {
  await producer.send({ topic, acks: -1, messages: events.map((event) => encodeEvent(event)) });
}

async function ledger(table: string): Promise<{ supplier: string; total_minor: string; invoices: number }[]> {
  const { rows } = await pool.query<{ supplier: string; total_minor: string; invoices: number }>(
    `SELECT supplier, total_minor, invoices FROM ${table} ORDER BY supplier`,
  );
  return rows;
}

async function inboxIds(table: string): Promise<string[]> {
  const { rows } = await pool.query<{ event_id: string }>(`SELECT event_id FROM ${table}_inbox ORDER BY event_id`);
  return rows.map((row) => row.event_id);
}

function logged(lines: Record<string, unknown>[], message: string, event: FlowlineEvent): number {
  return lines.filter((line) => line['msg'] === message && line['event_id'] === event.id).length;
}

describe('the inbox stage example (real Kafka and PostgreSQL)', () => {
  it('applies an event once: a redrive of the same event and a full replay through a new group change nothing', async () => {
    const options = await scenario();
    const first = capturedLogger();
    await start({ ...options, groupId: uniqueName('ledger'), logger: first.logger });
    const event = approvedInvoice('Supplier GmbH', 133875);
    await publish(options.topic, event);
    await waitFor(async () => (await ledger(options.table)).length === 1, { description: 'the ledger row' });

    // The same event again, as `flowline dlq redrive` or `flowline replay` would send it.
    await publish(options.topic, event);
    await waitFor(() => logged(first.lines, 'duplicate: already applied', event) === 1, {
      description: 'the redelivery handled',
    });
    // A different event is applied: the ledger does count.
    const other = approvedInvoice('Supplier GmbH', 1000);
    await publish(options.topic, other);
    await waitFor(() => logged(first.lines, 'ledger entry applied', other) === 1, { description: 'the other event' });
    await stages.splice(0, 1)[0]?.stop();

    // A fresh consumer group reads the topic from its beginning: every message is delivered again.
    const second = capturedLogger();
    await start({ ...options, groupId: uniqueName('ledger-replay'), logger: second.logger });
    await waitFor(
      () =>
        logged(second.lines, 'duplicate: already applied', event) === 2 &&
        logged(second.lines, 'duplicate: already applied', other) === 1,
      { description: 'the full redelivery handled' },
    );
    expect(logged(second.lines, 'ledger entry applied', event)).toBe(0);
    expect(await ledger(options.table)).toEqual([{ supplier: 'Supplier GmbH', total_minor: '134875', invoices: 2 }]);
    expect(await inboxIds(options.table)).toEqual([event.id, other.id].sort());
  });

  it('leaves neither the effect nor the inbox row when the effect fails, and the retry applies it once', async () => {
    const options = await scenario();
    const { logger, lines } = capturedLogger();
    // Attempts enough for the test to repair the table in between.
    await start({
      ...options,
      groupId: uniqueName('ledger'),
      logger,
      retry: { maxAttempts: 100, initialDelayMs: 50, maxDelayMs: 300 },
    });
    // The effect's table is gone: the INSERT fails inside the inbox transaction.
    await pool.query(`ALTER TABLE ${options.table} RENAME TO ${options.table}_moved`);
    const event = approvedInvoice('Failing Supplier', 500);
    await publish(options.topic, event);
    const failure = await waitFor(
      () => lines.find((line) => line['msg'] === 'handler failed; retrying' && line['event_id'] === event.id),
      { description: 'a failed attempt' },
    );
    expect(JSON.stringify(failure['err'])).toContain('does not exist');
    expect(await inboxIds(options.table)).toEqual([]);
    expect(await ledger(`${options.table}_moved`)).toEqual([]);

    await pool.query(`ALTER TABLE ${options.table}_moved RENAME TO ${options.table}`);
    await waitFor(() => logged(lines, 'ledger entry applied', event) === 1, { description: 'the retry applied' });
    expect(await ledger(options.table)).toEqual([{ supplier: 'Failing Supplier', total_minor: '500', invoices: 1 }]);
    expect(await inboxIds(options.table)).toEqual([event.id]);
  });
});
