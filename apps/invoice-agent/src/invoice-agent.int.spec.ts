/**
 * The invoice agent in process against the real broker and PostgreSQL. Documents are stored
 * with the claim-check FolderClaimStore in a folder of the test's own (CLAIM_CHECK_DIR, as the
 * file-watcher and email-agent store them), and each test file gets a scratch database, so the
 * duplicate register of one run never sees another's invoices.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { FolderClaimStore } from '@flowline/claim-check';
import {
  createEvent,
  derivedEventId,
  DLQ_HEADERS,
  topicNames,
  type FlowlineEvent,
  type InvoiceProcessed,
} from '@flowline/event-schemas';
import {
  createScratchDatabase,
  startServiceUnderTest,
  testInfra,
  uniqueDirectory,
  uniqueTopicPrefix,
  type ScratchDatabase,
  type ServiceUnderTest,
} from '@flowline/testing';
import { invoiceAgent } from './service';
import { FIXTURES_DIR } from './test-fixtures/invoice-fixtures';

let database: ScratchDatabase;
let pool: pg.Pool;
let claimDir: string;
let claims: FolderClaimStore;
const services: ServiceUnderTest[] = [];

const outputs = (prefix: string): string[] => {
  const topics = topicNames(prefix);
  return [topics.domainEvents, topics.deadLetter(topics.agent('invoice'))];
};

async function startAgent(prefix = uniqueTopicPrefix('invoice-agent')): Promise<ServiceUnderTest> {
  const running = await startServiceUnderTest(invoiceAgent, {
    env: {
      FLOWLINE_TOPIC_PREFIX: prefix,
      DATABASE_URL: database.url,
      CLAIM_CHECK_DIR: claimDir,
      INVOICE_AUTO_APPROVE_LIMIT: '5000 EUR, 5000 USD',
    },
    outputs,
  });
  services.push(running);
  return running;
}

/** An `invoice.received` for content stored by claim check, as an upstream agent sends it. */
async function received(content: Buffer, name: string, mediaType: string): Promise<FlowlineEvent<'invoice.received'>> {
  const stored = await claims.put(Readable.from([content]));
  return createEvent(
    'invoice.received',
    {
      document: { location: stored.reference, name, mediaType, size: stored.size, sha256: stored.sha256 },
      receivedVia: 'file',
    },
    { source: '/test/file-watcher' },
  );
}

const fixture = (file: string): Buffer => readFileSync(join(FIXTURES_DIR, file));

async function processedFor(
  running: ServiceUnderTest,
  input: FlowlineEvent,
): Promise<FlowlineEvent<'invoice.processed'>> {
  const id = derivedEventId(input.id, 'invoice.processed');
  const message = await running.probe!.waitFor((m) => m.event?.id === id, { timeoutMs: 30_000 });
  return message.event as FlowlineEvent<'invoice.processed'>;
}

async function count(sql: string, values: unknown[]): Promise<number> {
  return Number((await pool.query<{ n: string }>(sql, values)).rows[0]?.n);
}

beforeAll(async () => {
  database = await createScratchDatabase(testInfra().DATABASE_URL, 'invoice_agent');
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  claimDir = await uniqueDirectory('invoice-claims');
  claims = new FolderClaimStore(claimDir);
  await claims.start();
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
  if (claimDir !== undefined) await rm(claimDir, { recursive: true, force: true });
});

describe('invoice agent (in process, real broker and PostgreSQL)', () => {
  it('turns an invoice.received for a stored PDF into invoice.processed, caused by it, with its fields and decision', async () => {
    const running = await startAgent();
    const input = await received(fixture('us-services.pdf'), 'us-services.pdf', 'application/pdf');
    await running.publish(topicNames(running.prefix).agent('invoice'), input);

    const processed = await processedFor(running, input);
    expect(processed).toMatchObject({
      type: 'invoice.processed',
      source: '/invoice-agent',
      correlationid: input.correlationid,
      causationid: input.id,
      partitionkey: input.partitionkey,
      subject: '10-4471',
    });
    const data: InvoiceProcessed = processed.data;
    expect(data).toMatchObject({
      documentSha256: input.data.document.sha256,
      decision: 'approved',
      reasons: [],
      validation: { valid: true },
      extraction: { method: 'text', extractor: 'rules', documentKind: 'pdf', pageCount: 1 },
      fields: {
        invoiceNumber: '10-4471',
        issueDate: '2026-03-14',
        dueDate: '2026-04-13',
        currency: 'USD',
        supplier: { name: 'Northwind Traders LLC', taxId: '94-3175629' },
        customer: { name: 'Contoso Outdoor Inc.' },
        net: { amountMinor: 202500, currency: 'USD' },
        tax: { amountMinor: 17213, currency: 'USD' },
        total: { amountMinor: 219713, currency: 'USD' },
      },
    });
    expect(data.fields.lines).toHaveLength(3);
    expect(data.fieldConfidence?.['total']).toBeGreaterThanOrEqual(0.9);
  });

  it('answers a redelivered event (as dlq redrive and replay send it) with the same output and one decision', async () => {
    const running = await startAgent();
    const input = await received(fixture('fr-atelier.pdf'), 'fr-atelier.pdf', 'application/pdf');
    const topic = topicNames(running.prefix).agent('invoice');
    await running.publish(topic, input);
    const first = await processedFor(running, input);

    // The same event once more: a new record with the same id.
    await running.publish(topic, input);
    const firstRecord = running.probe!.messages.find((m) => m.event?.id === first.id);
    await running.probe!.waitFor((m) => m.event?.id === first.id && m !== firstRecord, { timeoutMs: 30_000 });
    const announced = running.probe!.messages.filter((m) => m.event?.id === first.id).map((m) => m.event);
    expect(announced).toHaveLength(2);
    expect(announced[1]).toEqual(announced[0]);
    expect(await count('SELECT count(*) AS n FROM invoice_agent_decisions WHERE event_id = $1', [input.id])).toBe(1);
    expect(await count('SELECT count(*) AS n FROM flowline_inbox WHERE event_id = $1', [input.id])).toBe(1);
    expect(
      await count('SELECT count(*) AS n FROM invoice_agent_invoices WHERE event_id = $1', [input.id]),
    ).toBeGreaterThanOrEqual(1);
  });

  it('flags the same invoice sent again (another document, after a restart) as a duplicate, never approved twice', async () => {
    const prefix = uniqueTopicPrefix('invoice-agent');
    const first = await startAgent(prefix);
    const original = await received(fixture('de-consulting.pdf'), 'de-consulting.pdf', 'application/pdf');
    await first.publish(topicNames(prefix).agent('invoice'), original);
    expect((await processedFor(first, original)).data.decision).toBe('approved');
    await first.stop();

    // Another instance, later: the resend has another layout (other bytes), same supplier and number.
    const second = await startAgent(prefix);
    const resend = await received(
      readFileSync(join(FIXTURES_DIR, 'failures', 'de-consulting-resend.pdf')),
      'resend.pdf',
      'application/pdf',
    );
    expect(resend.data.document.sha256).not.toBe(original.data.document.sha256);
    await second.publish(topicNames(prefix).agent('invoice'), resend);
    const duplicate = await processedFor(second, resend);
    expect(duplicate.data).toMatchObject({
      decision: 'rejected',
      reasons: ['duplicate_invoice'],
      validation: { valid: false },
      duplicateOf: { eventId: original.id, documentSha256: original.data.document.sha256, decision: 'approved' },
      fields: { invoiceNumber: 'RE-2026-0042', supplier: { name: 'Kranich Beratung GmbH' } },
    });
    expect(
      await count(
        `SELECT count(*) AS n FROM invoice_agent_decisions WHERE invoice_number = $1 AND decision = 'approved' AND tenant = $2`,
        ['RE-2026-0042', prefix],
      ),
    ).toBe(1);
  });

  it('dead-letters unreadable documents with their reason, reviews an unknown currency, and keeps going', async () => {
    const running = await startAgent();
    const topics = topicNames(running.prefix);
    const encrypted = await received(
      readFileSync(join(FIXTURES_DIR, 'failures', 'encrypted.pdf')),
      'encrypted.pdf',
      'application/pdf',
    );
    const missing = createEvent(
      'invoice.received',
      {
        document: {
          location: `claim:fs/sha256/${'e'.repeat(64)}`,
          mediaType: 'application/pdf',
          size: 10,
          sha256: 'e'.repeat(64),
        },
        receivedVia: 'email',
      },
      { source: '/test/email-agent', partitionKey: 'one-partition' },
    );
    const strange = await received(
      readFileSync(join(FIXTURES_DIR, 'failures', 'unknown-currency.txt')),
      'unknown-currency.txt',
      'text/plain',
    );
    const good = await received(fixture('ubl-peppol-invoice.xml'), 'peppol.xml', 'application/xml');
    const inOrder = [encrypted, missing, strange, good].map((event) => ({ ...event, partitionkey: 'one-partition' }));
    await running.publish(topics.agent('invoice'), ...inOrder);

    const deadLetterOf = async (event: FlowlineEvent) =>
      running.probe!.waitFor(
        (m) => m.topic === topics.deadLetter(topics.agent('invoice')) && m.event?.id === event.id,
        {
          timeoutMs: 30_000,
        },
      );
    expect((await deadLetterOf(encrypted)).headers[DLQ_HEADERS.errorCode]).toBe('DOCUMENT_ENCRYPTED');
    expect((await deadLetterOf(missing)).headers[DLQ_HEADERS.errorCode]).toBe('CLAIM_NOT_FOUND');
    const reviewed = await processedFor(running, strange);
    expect(reviewed.data).toMatchObject({ decision: 'needs_review', fields: { currencyAsWritten: 'XBT' } });
    expect(reviewed.data.reasons).toContain('unknown_currency');
    const after = await processedFor(running, good);
    expect(after.data).toMatchObject({
      decision: 'approved',
      fields: { invoiceNumber: 'INV-2026-000187', total: { amountMinor: 488495, currency: 'EUR' } },
    });
  });
});
