import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FolderClaimStore } from '@flowline/claim-check';
import {
  createBinaryEvent,
  createEvent,
  derivedEventId,
  stableEventId,
  type EmailIncoming,
  type FlowlineEvent,
} from '@flowline/event-schemas';
import { LocalEmailClassifier } from './classifier/local-classifier';
import { shippedModel } from './classifier/shipped-model';
import { emailOutputs } from './email-outputs';
import { INVOICE_PDF, invoiceMail, supportMail } from './test-fixtures/mime-messages';

async function folderStore(): Promise<FolderClaimStore> {
  const store = new FolderClaimStore(await mkdtemp(join(tmpdir(), 'email-agent-claims-')));
  await store.start();
  return store;
}

const options = async () => ({
  classifier: new LocalEmailClassifier(shippedModel),
  store: await folderStore(),
  replySignature: 'Acme Customer Service',
});

const rfc822 = (bytes: Buffer) =>
  createBinaryEvent('email.incoming', bytes, 'message/rfc822', { source: '/webhook-gateway/inbound-mail' });

const classifiedOf = (events: FlowlineEvent[]) =>
  events.filter((event): event is FlowlineEvent<'email.classified'> => event.type === 'email.classified');
const receivedOf = (events: FlowlineEvent[]) =>
  events.filter((event): event is FlowlineEvent<'invoice.received'> => event.type === 'invoice.received');

describe('emailOutputs', () => {
  it('classifies an invoice mail and announces its invoice PDF, stored by claim check, caused by the email', async () => {
    const input = rfc822(await invoiceMail());
    const settings = await options();
    const outputs = await emailOutputs(input, settings);

    const [classified] = classifiedOf(outputs.events);
    expect(classified).toMatchObject({
      id: derivedEventId(input.id, 'email.classified'),
      source: '/email-agent',
      correlationid: input.correlationid,
      causationid: input.id,
      partitionkey: input.partitionkey,
      data: {
        messageId: 'inv-2024-0117@northwind.example',
        category: 'invoice',
        threadId: 'inv-2024-0117@northwind.example',
        from: { address: 'billing@northwind.example', name: 'Northwind Billing' },
        subject: 'Invoice 2024-0117',
        language: 'en',
      },
    });
    expect(classified?.data.confidence).toBeGreaterThan(0.9);
    expect(classified?.data.draftedReply).toBeUndefined();

    // Only the invoice: the terms and conditions beside it are not one.
    const invoices = receivedOf(outputs.events);
    expect(invoices).toHaveLength(1);
    const sha256 = outputs.stored[0]?.sha256 as string;
    expect(invoices[0]).toMatchObject({
      id: stableEventId(input.id, 'invoice.received', sha256),
      correlationid: input.correlationid,
      causationid: input.id,
      data: {
        document: {
          location: `claim:fs/sha256/${sha256}`,
          name: 'Invoice_2024-0117.pdf',
          mediaType: 'application/pdf',
          size: INVOICE_PDF.length,
          sha256,
        },
        receivedVia: 'email',
        sender: { address: 'billing@northwind.example', name: 'Northwind Billing' },
      },
    });
    expect(classified?.data.invoiceDocuments).toEqual([
      { name: 'Invoice_2024-0117.pdf', sha256, location: `claim:fs/sha256/${sha256}` },
    ]);
    expect(await readFile(settings.store.pathOf(sha256))).toEqual(INVOICE_PDF);
  });

  it('gives the same events (ids and data) and stores nothing new when the same email is handled again', async () => {
    const input = rfc822(await invoiceMail());
    const settings = await options();
    const first = await emailOutputs(input, settings);
    const second = await emailOutputs(input, settings);
    const comparable = (events: FlowlineEvent[]) => events.map(({ time: _time, ...event }) => event);
    expect(comparable(second.events)).toEqual(comparable(first.events));
    const folders = (await readdir(settings.store.root)).filter((name) => name !== 'tmp');
    expect(folders).toHaveLength(1);
    expect(await readdir(join(settings.store.root, folders[0] as string))).toHaveLength(1);
  });

  it('drafts a reply in German for a German support mail, and announces no invoice', async () => {
    const input = rfc822(await supportMail());
    const outputs = await emailOutputs(input, await options());
    expect(outputs.events.map((event) => event.type)).toEqual(['email.classified']);
    const [classified] = classifiedOf(outputs.events);
    expect(classified?.data).toMatchObject({
      category: 'support',
      language: 'de',
      threadId: 'root-0@kunde.example',
      draftedReply: {
        subject: 'Re: Login funktioniert nicht',
        to: [{ address: 'anna.schmitt@kunde.example', name: 'Anna Schmitt' }],
      },
    });
    expect(classified?.data.draftedReply?.text).toMatch(/^Guten Tag Anna Schmitt,/);
    expect(classified?.data.draftedReply?.text).toMatch(/Acme Customer Service\n$/);
  });

  describe('an invoice mail that came as JSON fields, attachments by reference', () => {
    const fields = (location: string | undefined, sha256: string): EmailIncoming => ({
      messageId: 'fields-7@supplier.example',
      from: { address: 'billing@supplier.example' },
      to: [{ address: 'ap@acme.example' }],
      subject: 'Invoice 7',
      receivedAt: '2024-05-02T07:14:05Z',
      text: 'Please find invoice 7 attached. Total EUR 119.00, due in 30 days.',
      attachments: [
        {
          filename: 'invoice-7.pdf',
          mediaType: 'application/pdf',
          size: INVOICE_PDF.length,
          sha256,
          ...(location === undefined ? {} : { location }),
        },
      ],
    });

    it('announces a document already in the claim-check store under its reference', async () => {
      const settings = await options();
      const { reference, sha256 } = await settings.store.put(Readable.from([INVOICE_PDF]));
      const input = createEvent('email.incoming', fields(reference, sha256), { source: '/test' });
      const outputs = await emailOutputs(input, settings);
      expect(receivedOf(outputs.events)[0]?.data.document).toMatchObject({
        location: reference,
        sha256,
      });
    });

    it.each([
      ['no location', undefined, /neither the bytes nor a claim-check reference/],
      ['a location that is no claim check', 's3://mail/invoice-7.pdf', /is not a claim-check reference/],
      ['a claim check with nothing stored under it', `claim:fs/sha256/${'b'.repeat(64)}`, /nothing is stored under/],
    ])('still classifies the email, and names the missing attachment, for %s', async (_case, location, reason) => {
      const input = createEvent('email.incoming', fields(location, 'b'.repeat(64)), { source: '/test' });
      const outputs = await emailOutputs(input, await options());
      expect(outputs.events.map((event) => event.type)).toEqual(['email.classified']);
      const [classified] = classifiedOf(outputs.events);
      expect(classified?.data.category).toBe('invoice');
      expect(classified?.data.missingAttachments).toEqual([
        { name: 'invoice-7.pdf', reason: expect.stringMatching(reason) },
      ]);
    });
  });

  it('refuses malformed MIME with EMAIL_MALFORMED, so the consumer dead-letters it', async () => {
    await expect(emailOutputs(rfc822(Buffer.from('garbage without headers')), await options())).rejects.toMatchObject({
      code: 'EMAIL_MALFORMED',
      retryable: false,
    });
  });
});
