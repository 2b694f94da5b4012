/**
 * The document agent in process against the real broker (startServiceUnderTest): files stored
 * by claim check (a folder of the test's own, and PostgreSQL large objects in a scratch
 * database; one service reads both) announced by `file.uploaded` on agent.document; `document.processed` and
 * `invoice.received` out on events.domain, read by a read_committed probe; files that cannot
 * be processed in agent.document.dlq with their reason; and what a redelivered upload does
 * under pattern 1 (docs/architecture.md "Three patterns"): handled again, the same ids out.
 *
 * Absence ("no invoice.received for the letter") is shown by order, not by waiting: a later
 * input on the same partition key is handled after it, so once the later one's output is
 * visible, every output of the earlier one is too.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import pg from 'pg';
import { FolderClaimStore, PostgresClaimStore, type ClaimCheckStore } from '@flowline/claim-check';
import { createEvent, derivedEventId, DLQ_HEADERS, topicNames, type FlowlineEvent } from '@flowline/event-schemas';
import {
  createScratchDatabase,
  startServiceUnderTest,
  testInfra,
  uniqueDirectory,
  waitFor,
  type ProbedMessage,
  type ScratchDatabase,
  type ServiceUnderTest,
} from '@flowline/testing';
import { documentAgent } from './service';
import { corruptPdf, encryptedInvoicePdf, invoicePdf, letterDocx, MEETING_NOTES } from './test-fixtures/documents';

const outputs = (prefix: string) => {
  const topics = topicNames(prefix);
  return [topics.domainEvents, topics.deadLetter(topics.agent('document'))];
};

/** A file.uploaded for content stored by claim check, as the file-watcher publishes it. */
async function uploaded(
  store: ClaimCheckStore,
  content: Buffer,
  relativePath: string,
  mediaType: string,
  partitionKey?: string,
): Promise<FlowlineEvent<'file.uploaded'>> {
  const claim = await store.put(content);
  return createEvent(
    'file.uploaded',
    {
      folder: 'inbox',
      path: `/data/inbox/${relativePath}`,
      relativePath,
      name: relativePath.split('/').pop() as string,
      size: claim.size,
      sha256: claim.sha256,
      mediaType,
      modifiedAt: '2026-03-05T09:30:00Z',
      location: claim.reference,
    },
    { source: '/file-watcher/inbox', subject: relativePath, ...(partitionKey === undefined ? {} : { partitionKey }) },
  );
}

const domainCausedBy = (running: ServiceUnderTest, input: FlowlineEvent) => (message: ProbedMessage) =>
  message.topic === topicNames(running.prefix).domainEvents && message.event?.causationid === input.id;

/** The events on events.domain caused by `input`, once at least `count` of them are visible. */
async function causedBy(running: ServiceUnderTest, input: FlowlineEvent, count: number): Promise<FlowlineEvent[]> {
  const mine = domainCausedBy(running, input);
  await waitFor(() => running.probe!.messages.filter(mine).length >= count, {
    description: `${count} events caused by ${input.id}`,
    timeoutMs: 30_000,
  });
  return running.probe!.messages.filter(mine).map((message) => message.event as FlowlineEvent);
}

function deadLetterOf(running: ServiceUnderTest, input: FlowlineEvent): Promise<ProbedMessage> {
  const topics = topicNames(running.prefix);
  return running.probe!.waitFor(
    (message) => message.topic === topics.deadLetter(topics.agent('document')) && message.event?.id === input.id,
  );
}

describe('document-agent (in process, real broker, claim checks in a folder and in PostgreSQL)', () => {
  let running: ServiceUnderTest;
  let claimDir: string;
  let claims: FolderClaimStore;
  let database: ScratchDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    claimDir = await uniqueDirectory('document-agent-claims');
    claims = new FolderClaimStore(claimDir);
    await claims.start();
    database = await createScratchDatabase(testInfra().DATABASE_URL, 'document_agent');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await new PostgresClaimStore(pool).start();
    running = await startServiceUnderTest(documentAgent, {
      outputs,
      env: { CLAIM_CHECK_DIR: claimDir, DATABASE_URL: database.url },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await pool?.end();
    await database?.drop();
    if (claimDir !== undefined) await rm(claimDir, { recursive: true, force: true });
  });

  it('turns an uploaded text PDF invoice into document.processed and invoice.received, under the upload’s correlation id', async () => {
    const input = await uploaded(claims, await invoicePdf(), 'invoices/northwind-0311.pdf', 'application/pdf');
    await running.publish(topicNames(running.prefix).agent('document'), input);
    const events = await causedBy(running, input, 2);

    expect(events.map((event) => event.type).sort()).toEqual(['document.processed', 'invoice.received']);
    for (const event of events) {
      expect(event).toMatchObject({
        correlationid: input.correlationid,
        causationid: input.id,
        source: '/document-agent',
      });
    }
    const processed = events.find(
      (event) => event.type === 'document.processed',
    ) as FlowlineEvent<'document.processed'>;
    expect(processed.id).toBe(derivedEventId(input.id, 'document.processed'));
    expect(processed.data).toMatchObject({
      kind: 'pdf',
      metadata: {
        relativePath: 'invoices/northwind-0311.pdf',
        mediaType: 'application/pdf',
        sha256: input.data.sha256,
        size: input.data.size,
        location: input.data.location,
        pageCount: 1,
        title: 'Invoice INV-2026-0311',
        author: 'Northwind Billing',
        textTruncated: false,
        invoice: { detected: true },
      },
    });
    expect(processed.data.text).toContain('Invoice No: INV-2026-0311');
    const received = events.find((event) => event.type === 'invoice.received') as FlowlineEvent<'invoice.received'>;
    expect(received.id).toBe(derivedEventId(input.id, 'invoice.received'));
    // What the invoice agent needs: the document by claim check, not its text.
    expect(received.data).toEqual({
      receivedVia: 'file',
      document: {
        location: input.data.location,
        name: 'northwind-0311.pdf',
        mediaType: 'application/pdf',
        size: input.data.size,
        sha256: input.data.sha256,
      },
    });
  });

  it('reads a DOCX letter and a plain text file as documents, announcing no invoice', async () => {
    const key = `letters-${randomUUID()}`;
    const letter = await uploaded(claims, letterDocx(), 'letters/weber.docx', 'application/octet-stream', key);
    const notes = await uploaded(claims, Buffer.from(MEETING_NOTES, 'utf8'), 'notes/sync.txt', 'text/plain', key);
    await running.publish(topicNames(running.prefix).agent('document'), letter, notes);

    const [notesProcessed] = await causedBy(running, notes, 1);
    expect(notesProcessed).toMatchObject({
      type: 'document.processed',
      data: { kind: 'text', text: MEETING_NOTES, metadata: { charset: 'utf-8', invoice: { detected: false } } },
    });
    // The notes came after the letter on the same partition: the letter's outputs are all visible by now.
    const fromLetter = running.probe!.messages.filter(domainCausedBy(running, letter)).map((m) => m.event);
    expect(fromLetter).toHaveLength(1);
    expect(fromLetter[0]).toMatchObject({
      type: 'document.processed',
      correlationid: letter.correlationid,
      data: { kind: 'docx', metadata: { invoice: { detected: false } } },
    });
    expect((fromLetter[0] as FlowlineEvent<'document.processed'>).data.text).toContain('Dear Ms Weber,');
    expect(running.probe!.messages.filter(domainCausedBy(running, notes))).toHaveLength(1);
  });

  it('dead-letters encrypted and corrupt PDFs, a missing claim, a wrong sha256 and an image with their reasons, and goes on', async () => {
    const topic = topicNames(running.prefix).agent('document');
    const key = `failures-${randomUUID()}`;
    const encrypted = await uploaded(claims, await encryptedInvoicePdf(), 'locked.pdf', 'application/pdf', key);
    const corrupt = await uploaded(claims, corruptPdf(), 'broken.pdf', 'application/pdf', key);
    const stored = await uploaded(claims, Buffer.from('some text'), 'gone.txt', 'text/plain', key);
    const gone = 'e'.repeat(64);
    const missing = {
      ...stored,
      id: randomUUID(),
      data: { ...stored.data, sha256: gone, location: `claim:fs/sha256/${gone}` },
    };
    const mismatched = { ...stored, id: randomUUID(), data: { ...stored.data, sha256: 'a'.repeat(64) } };
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
    const image = await uploaded(claims, png, 'scan.png', 'image/png', key);
    const next = await uploaded(claims, await invoicePdf('INV-2026-0312'), 'next.pdf', 'application/pdf', key);
    await running.publish(topic, encrypted, corrupt, missing, mismatched, image, next);

    const expected: [FlowlineEvent, string, RegExp][] = [
      [encrypted, 'DOCUMENT_ENCRYPTED', /password-protected/],
      [corrupt, 'DOCUMENT_UNREADABLE', /cannot be read/],
      [missing, 'CLAIM_NOT_FOUND', new RegExp(gone)],
      [mismatched, 'DOCUMENT_CHECKSUM_MISMATCH', /names other content than the event's sha256/],
      [image, 'DOCUMENT_TYPE_UNSUPPORTED', /png/i],
    ];
    for (const [input, code, reason] of expected) {
      const dead = await deadLetterOf(running, input);
      expect(dead.headers[DLQ_HEADERS.errorCode]).toBe(code);
      expect(dead.headers[DLQ_HEADERS.reason]).toMatch(reason);
      // Not retried: the same bytes fail the same way.
      expect(dead.headers[DLQ_HEADERS.attempts]).toBe('1');
      expect(dead.headers[DLQ_HEADERS.originalTopic]).toBe(topic);
      expect(running.probe!.messages.filter(domainCausedBy(running, input))).toHaveLength(0);
    }
    const after = await causedBy(running, next, 2);
    expect(after.map((event) => event.type).sort()).toEqual(['document.processed', 'invoice.received']);
  });

  it('retries a claim store that fails to read before giving up, unlike a bad file', async () => {
    // The shared folder holds something it cannot read as a file where the copy should be
    // (EISDIR on read): a store failure, not a verdict on the file, so it is worth retrying.
    const content = Buffer.from('INVOICE\nInvoice No: IO-1\nTotal due EUR 10.00\n');
    const sha256 = createHash('sha256').update(content).digest('hex');
    await mkdir(claims.pathOf(sha256), { recursive: true });
    const stored = await uploaded(claims, Buffer.from('placeholder'), 'io.txt', 'text/plain');
    const input = {
      ...stored,
      data: { ...stored.data, sha256, size: content.length, location: `claim:fs/sha256/${sha256}` },
    };
    await running.publish(topicNames(running.prefix).agent('document'), input);
    const dead = await deadLetterOf(running, input);
    expect(dead.headers[DLQ_HEADERS.errorCode]).toBe('CLAIM_STORE_UNAVAILABLE');
    expect(dead.headers[DLQ_HEADERS.reason]).toMatch(/the fs claim-check store failed: EISDIR/);
    expect(Number(dead.headers[DLQ_HEADERS.attempts])).toBeGreaterThan(1);
  });

  it('handles a redelivered upload (as dlq redrive and replay send it) again under the same ids: one record per id per delivery', async () => {
    const topic = topicNames(running.prefix).agent('document');
    const key = `redelivery-${randomUUID()}`;
    const input = await uploaded(claims, await invoicePdf('INV-2026-0399'), 'again.pdf', 'application/pdf', key);
    await running.publish(topic, input);
    const first = await causedBy(running, input, 2);
    await running.publish(topic, input); // the same event (same id): a new record, as `flowline dlq redrive` writes it
    const marker = await uploaded(claims, Buffer.from('marker'), 'marker.txt', 'text/plain', key);
    await running.publish(topic, marker);
    await causedBy(running, marker, 1);

    // Everything the two deliveries caused is visible now (same partition, before the marker).
    const all = running.probe!.messages.filter(domainCausedBy(running, input)).map((m) => m.event as FlowlineEvent);
    const perId = new Map<string, number>();
    for (const event of all) perId.set(event.id, (perId.get(event.id) ?? 0) + 1);
    expect([...perId.keys()].sort()).toEqual(
      [derivedEventId(input.id, 'document.processed'), derivedEventId(input.id, 'invoice.received')].sort(),
    );
    expect([...perId.values()]).toEqual([2, 2]);
    const again = all.slice(first.length);
    expect(again.map((event) => [event.id, event.type, event.data])).toEqual(
      first.map((event) => [event.id, event.type, event.data]),
    );
  });

  it('still turns a webhook payload into document.processed', async () => {
    const input = createEvent(
      'webhook.received',
      { source: 'erp', payload: { order: 7 } },
      { source: '/webhook-gateway/erp' },
    );
    await running.publish(topicNames(running.prefix).agent('document'), input);
    const [processed] = await causedBy(running, input, 1);
    expect(processed).toMatchObject({
      id: derivedEventId(input.id, 'document.processed'),
      correlationid: input.correlationid,
      data: { kind: 'json-object', text: '{"order":7}' },
    });
  });

  it('reads an invoice stored as a large object by its claim:pg reference', async () => {
    const input = await uploaded(
      new PostgresClaimStore(pool),
      await invoicePdf('PG-2026-7'),
      'pg.pdf',
      'application/pdf',
    );
    expect(input.data.location).toMatch(/^claim:pg\/sha256\//);
    await running.publish(topicNames(running.prefix).agent('document'), input);
    const events = await causedBy(running, input, 2);
    expect(events.map((event) => event.type).sort()).toEqual(['document.processed', 'invoice.received']);
    const received = events.find((event) => event.type === 'invoice.received') as FlowlineEvent<'invoice.received'>;
    expect(received.data.document.location).toBe(input.data.location);
  });
});
