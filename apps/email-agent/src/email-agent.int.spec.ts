/**
 * The email agent in process against the real broker (startServiceUnderTest): raw MIME in on
 * agent.email, email.classified and invoice.received out on events.domain, attachments in a
 * real claim-check store, malformed mail in agent.email.dlq; and what a redelivered email
 * does under pattern 1 (docs/architecture.md "Three patterns"): handled again, same ids out.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { FolderClaimStore, PostgresClaimStore } from '@flowline/claim-check';
import { createBinaryEvent, derivedEventId, topicNames, type FlowlineEvent } from '@flowline/event-schemas';
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
import { emailAgent } from './service';
import { INVOICE_PDF, invoiceMail, supportMail } from './test-fixtures/mime-messages';

const outputs = (prefix: string) => {
  const topics = topicNames(prefix);
  return [topics.domainEvents, topics.deadLetter(topics.agent('email'))];
};

const inboundMail = (bytes: Buffer) =>
  createBinaryEvent('email.incoming', bytes, 'message/rfc822', { source: '/webhook-gateway/inbound-mail' });

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The events on events.domain caused by `input`, once `count` of them have arrived. */
async function causedBy(running: ServiceUnderTest, input: FlowlineEvent, count: number): Promise<FlowlineEvent[]> {
  const domain = topicNames(running.prefix).domainEvents;
  const mine = (message: ProbedMessage) => message.topic === domain && message.event?.causationid === input.id;
  await waitFor(() => running.probe!.messages.filter(mine).length >= count, {
    description: `${count} events caused by ${input.id}`,
    timeoutMs: 30_000,
  });
  return running.probe!.messages.filter(mine).map((message) => message.event as FlowlineEvent);
}

describe('email-agent (in process, real broker, claim-check folder)', () => {
  let running: ServiceUnderTest;
  let claims: string;

  beforeAll(async () => {
    claims = await uniqueDirectory('email-agent-claims');
    running = await startServiceUnderTest(emailAgent, { outputs, env: { CLAIM_CHECK_DIR: claims } });
  });
  afterAll(() => running?.stop());

  it('classifies a raw MIME invoice mail and announces its PDF, stored by claim check, under the email’s correlation id', async () => {
    const input = inboundMail(await invoiceMail());
    await running.publish(topicNames(running.prefix).agent('email'), input);
    const events = await causedBy(running, input, 2);

    const classified = events.find((event) => event.type === 'email.classified');
    expect(classified).toMatchObject({
      id: derivedEventId(input.id, 'email.classified'),
      source: '/email-agent',
      correlationid: input.correlationid,
      data: { category: 'invoice', messageId: 'inv-2024-0117@northwind.example' },
    });
    const received = events.find(
      (event): event is FlowlineEvent<'invoice.received'> => event.type === 'invoice.received',
    );
    expect(received).toMatchObject({
      correlationid: input.correlationid,
      causationid: input.id,
      data: {
        receivedVia: 'email',
        sender: { address: 'billing@northwind.example' },
        document: { name: 'Invoice_2024-0117.pdf', mediaType: 'application/pdf', size: INVOICE_PDF.length },
      },
    });
    // The reference resolves, in a store of the same folder, to exactly the attachment's bytes.
    const stored = await bytesOf(await new FolderClaimStore(claims).open(received!.data.document.location));
    expect(stored.equals(INVOICE_PDF)).toBe(true);
  });

  it('classifies a support mail and drafts a reply in the sender’s language', async () => {
    const input = inboundMail(await supportMail());
    await running.publish(topicNames(running.prefix).agent('email'), input);
    const [classified] = await causedBy(running, input, 1);
    expect(classified).toMatchObject({
      type: 'email.classified',
      correlationid: input.correlationid,
      data: {
        category: 'support',
        language: 'de',
        threadId: 'root-0@kunde.example',
        draftedReply: { subject: 'Re: Login funktioniert nicht', to: [{ address: 'anna.schmitt@kunde.example' }] },
      },
    });
  });

  it('dead-letters malformed MIME with the reason, and keeps going', async () => {
    const topics = topicNames(running.prefix);
    const malformed = inboundMail(Buffer.from('this is not an email, just some bytes\n'));
    const good = inboundMail(await supportMail({ messageId: '<after-the-malformed@kunde.example>' }));
    await running.publish(topics.agent('email'), malformed, good);
    const dead = await running.probe!.waitFor((message) => message.headers['ce_id'] === malformed.id);
    expect(dead.topic).toBe(topics.deadLetter(topics.agent('email')));
    expect(dead.headers['flowline-dlq-error-class']).toBe('EmailMalformed');
    expect(dead.headers['flowline-dlq-error-code']).toBe('EMAIL_MALFORMED');
    expect(dead.headers['flowline-dlq-reason']).toMatch(/no header block/);
    expect(await causedBy(running, good, 1)).toHaveLength(1);
  });

  it('handles a redelivered email again (a redrive or replay is a new record) with the same output ids, and stores the attachment once', async () => {
    const topics = topicNames(running.prefix);
    const input = inboundMail(await invoiceMail({ messageId: '<redelivered@northwind.example>' }));
    await running.publish(topics.agent('email'), input);
    const first = await causedBy(running, input, 2);
    await running.publish(topics.agent('email'), input); // the same event (same id), as `flowline dlq redrive` sends it
    const both = await causedBy(running, input, 4);
    const ids = (events: FlowlineEvent[]) => events.map((event) => `${event.type} ${event.id}`).sort();
    // Pattern 1: each appearance of the input gives its outputs once, under the same ids;
    // readers that act on an event once (the invoice agent's inbox) drop the second by id.
    expect(ids(both)).toEqual([...ids(first), ...ids(first)].sort());
    const received = first.find(
      (event): event is FlowlineEvent<'invoice.received'> => event.type === 'invoice.received',
    );
    const location = received!.data.document.location;
    const path = new FolderClaimStore(claims).pathOf(received!.data.document.sha256);
    expect((await readFile(path)).equals(INVOICE_PDF)).toBe(true);
    expect(location).toBe(`claim:fs/sha256/${received!.data.document.sha256}`);
  });
});

describe('email-agent with the PostgreSQL claim-check store', () => {
  let database: ScratchDatabase;
  let running: ServiceUnderTest;

  beforeAll(async () => {
    database = await createScratchDatabase(testInfra().DATABASE_URL, 'email_agent');
    running = await startServiceUnderTest(emailAgent, {
      outputs,
      env: { CLAIM_CHECK_STORE: 'postgres', DATABASE_URL: database.url },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await database?.drop();
  });

  it('stores the invoice PDF as a large object and announces its claim:pg reference', async () => {
    const input = inboundMail(await invoiceMail({ messageId: '<pg-store@northwind.example>' }));
    await running.publish(topicNames(running.prefix).agent('email'), input);
    const events = await causedBy(running, input, 2);
    const received = events.find(
      (event): event is FlowlineEvent<'invoice.received'> => event.type === 'invoice.received',
    );
    expect(received?.data.document.location).toMatch(/^claim:pg\/sha256\/[0-9a-f]{64}$/);
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const stored = await bytesOf(await new PostgresClaimStore(pool).open(received!.data.document.location));
      expect(stored.equals(INVOICE_PDF)).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
