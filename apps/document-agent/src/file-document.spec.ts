import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { ClaimNotFound, FolderClaimStore } from '@flowline/claim-check';
import { DocumentEncrypted, DocumentTooLarge, DocumentTypeUnsupported, DocumentUnreadable } from '@flowline/documents';
import { isRetryable } from '@flowline/errors';
import {
  createEvent,
  derivedEventId,
  withDerivedType,
  type FileUploaded,
  type FlowlineEvent,
} from '@flowline/event-schemas';
import { uniqueDirectory } from '@flowline/testing';
import { ClaimStoreUnavailable, DocumentChecksumMismatch, DocumentLocationUnsupported } from './document-agent-errors';
import { DocumentFetcher } from './document-fetcher';
import { fileDocumentEvents, readUploadedFile, uploadedFileOf, type FileDocumentPolicy } from './file-document';
import { corruptPdf, encryptedInvoicePdf, invoicePdf, letterDocx, MEETING_NOTES } from './test-fixtures/documents';

const policy: FileDocumentPolicy = { textMaxBytes: 64 * 1024, invoiceMinScore: 7 };
let dir: string;
let store: FolderClaimStore;
let reading: Parameters<typeof readUploadedFile>[1];

beforeAll(async () => {
  dir = await uniqueDirectory('document-agent-unit');
  store = new FolderClaimStore(dir);
  await store.start();
  reading = { fetcher: new DocumentFetcher({ fs: store }, 1_000_000), maxBytes: 1_000_000, maxPages: 10 };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A file.uploaded for content stored by claim check, as the file-watcher publishes it. */
async function uploaded(
  content: Buffer,
  relativePath: string,
  mediaType: string,
): Promise<FlowlineEvent<'file.uploaded'>> {
  const claim = await store.put(content);
  const name = relativePath.split('/').pop() as string;
  return createEvent(
    'file.uploaded',
    {
      folder: 'inbox',
      path: `/data/inbox/${relativePath}`,
      relativePath,
      name,
      size: claim.size,
      sha256: claim.sha256,
      mediaType,
      modifiedAt: '2026-03-05T09:30:00Z',
      location: claim.reference,
    },
    { source: '/file-watcher/inbox', subject: relativePath },
  );
}

async function process(event: FlowlineEvent<'file.uploaded'>, withPolicy = policy) {
  const document = await readUploadedFile(event.data, reading);
  return fileDocumentEvents(event, event.data, document, withPolicy);
}

describe('an uploaded file → document.processed (and invoice.received)', () => {
  it('reads a PDF invoice: its text and metadata, and announces it as an invoice by claim check, caused by the upload', async () => {
    const input = await uploaded(await invoicePdf(), '2026/03/northwind.pdf', 'application/pdf');
    const outcome = await process(input);
    expect(outcome.events.map((event) => event.type)).toEqual(['document.processed', 'invoice.received']);
    const [processed, received] = outcome.events;
    expect(processed).toMatchObject({
      id: derivedEventId(input.id, 'document.processed'),
      source: '/document-agent',
      subject: '2026/03/northwind.pdf',
      correlationid: input.correlationid,
      causationid: input.id,
      partitionkey: input.partitionkey,
      data: {
        kind: 'pdf',
        metadata: {
          origin: 'file',
          folder: 'inbox',
          relativePath: '2026/03/northwind.pdf',
          name: 'northwind.pdf',
          mediaType: 'application/pdf',
          size: input.data.size,
          sha256: input.data.sha256,
          location: input.data.location,
          pageCount: 1,
          title: 'Invoice INV-2026-0311',
          author: 'Northwind Billing',
          createdAt: '2026-03-05T09:30:00.000Z',
          textTruncated: false,
          invoice: { detected: true },
        },
      },
    });
    const text = (processed as FlowlineEvent<'document.processed'>).data.text;
    expect(text).toContain('Invoice No: INV-2026-0311');
    expect(text).toMatch(/Total due\s+GBP 900\.00/);
    expect(received).toMatchObject({
      id: derivedEventId(input.id, 'invoice.received'),
      correlationid: input.correlationid,
      causationid: input.id,
      data: {
        receivedVia: 'file',
        document: {
          location: input.data.location,
          name: 'northwind.pdf',
          mediaType: 'application/pdf',
          size: input.data.size,
          sha256: input.data.sha256,
        },
      },
    });
    expect(outcome.assessment.signals).toEqual(
      expect.arrayContaining(['invoice_title', 'invoice_number', 'total_amount', 'tax_id', 'due_date']),
    );
  });

  it('reads a DOCX letter as a document only', async () => {
    const outcome = await process(await uploaded(letterDocx(), 'letters/weber.docx', 'application/octet-stream'));
    expect(outcome.events.map((event) => event.type)).toEqual(['document.processed']);
    expect(outcome.events[0]?.data).toMatchObject({
      kind: 'docx',
      metadata: {
        mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        uploadedMediaType: 'application/octet-stream',
        invoice: { detected: false },
      },
    });
    expect((outcome.events[0] as FlowlineEvent<'document.processed'>).data.text).toContain('Dear Ms Weber,');
  });

  it('reads plain text with its charset', async () => {
    const outcome = await process(await uploaded(Buffer.from(MEETING_NOTES, 'utf8'), 'notes.txt', 'text/plain'));
    expect(outcome.events).toHaveLength(1);
    expect(outcome.events[0]?.data).toMatchObject({
      kind: 'text',
      text: MEETING_NOTES,
      metadata: { charset: 'utf-8', characters: MEETING_NOTES.length },
    });
  });

  it('announces a UBL invoice by its namespace', async () => {
    const ubl = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>A-1</ID></Invoice>',
    );
    const outcome = await process(await uploaded(ubl, 'peppol/a-1.xml', 'application/xml'));
    expect(outcome.events.map((event) => event.type)).toEqual(['document.processed', 'invoice.received']);
    expect(outcome.events[1]?.data).toMatchObject({ document: { mediaType: 'application/xml' } });
  });

  it('bounds the text an event carries, says so, and keeps the claim check for the whole', async () => {
    const long = Array.from({ length: 4000 }, (_, line) => `${line}: the quick brown fox jumps over the lazy dog`).join(
      '\n',
    );
    const input = await uploaded(Buffer.from(long), 'long.txt', 'text/plain');
    const outcome = await process(input, { ...policy, textMaxBytes: 10_000 });
    const data = (outcome.events[0] as FlowlineEvent<'document.processed'>).data;
    expect(outcome.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(data.text))).toBeLessThanOrEqual(10_000);
    expect(long.startsWith(data.text)).toBe(true);
    expect(data.metadata).toMatchObject({
      textTruncated: true,
      textBytes: Buffer.byteLength(JSON.stringify(long)),
      characters: long.length,
      location: input.data.location,
    });
  });

  it('takes a folder’s own type whose dataschema names file.uploaded', async () => {
    const scan = withDerivedType(await uploaded(Buffer.from('hello'), 'scan.txt', 'text/plain'), 'scan.uploaded');
    expect(uploadedFileOf(scan)).toMatchObject({ relativePath: 'scan.txt' });
    const webhook = createEvent('webhook.received', { source: 's', payload: {} }, { source: '/x' });
    expect(uploadedFileOf(webhook)).toBeUndefined();
  });
});

describe('files that cannot be processed: non-retryable errors with their code', () => {
  const rejects = async (event: FlowlineEvent<'file.uploaded'>, type: new (...args: never[]) => Error) => {
    const error = await readUploadedFile(event.data, reading).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(type);
    expect(isRetryable(error)).toBe(false);
    return error as Error;
  };

  it('an encrypted PDF', async () => {
    await rejects(await uploaded(await encryptedInvoicePdf(), 'locked.pdf', 'application/pdf'), DocumentEncrypted);
  });

  it('a corrupt PDF', async () => {
    await rejects(await uploaded(corruptPdf(), 'broken.pdf', 'application/pdf'), DocumentUnreadable);
  });

  it('an image', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
    await rejects(await uploaded(png, 'scan.png', 'image/png'), DocumentTypeUnsupported);
  });

  it('a reference to nothing stored', async () => {
    const sha256 = createHash('sha256').update('never stored').digest('hex');
    const event = await uploaded(Buffer.from('x'), 'x.txt', 'text/plain');
    const missing = { ...event, data: { ...event.data, sha256, location: `claim:fs/sha256/${sha256}` } };
    await rejects(missing, ClaimNotFound);
  });

  it('an event whose sha256 is not the one its reference names, or whose size is wrong', async () => {
    const event = await uploaded(Buffer.from('the real content'), 'x.txt', 'text/plain');
    const otherHash = createHash('sha256').update('other content').digest('hex');
    const error = await rejects({ ...event, data: { ...event.data, sha256: otherHash } }, DocumentChecksumMismatch);
    expect(error.message).toContain(otherHash);
    await rejects({ ...event, data: { ...event.data, size: event.data.size + 1 } }, DocumentChecksumMismatch);
  });

  it('a location that is no claim-check reference (a path would let a sender read any file)', async () => {
    const event = await uploaded(Buffer.from('x'), 'x.txt', 'text/plain');
    await rejects({ ...event, data: { ...event.data, location: '/etc/passwd' } }, DocumentLocationUnsupported);
  });

  it('a file larger than DOCUMENT_MAX_BYTES, refused before it is read', async () => {
    const event = await uploaded(Buffer.alloc(2_000, 'a'), 'big.txt', 'text/plain');
    const small = { ...reading, fetcher: new DocumentFetcher({ fs: store }, 1_000), maxBytes: 1_000 };
    await expect(readUploadedFile(event.data, small)).rejects.toBeInstanceOf(DocumentTooLarge);
  });

  it('reports a failing store as unavailable, so the consumer retries it', async () => {
    const down = new Error('connect ECONNREFUSED 127.0.0.1:55432');
    const fetcher = new DocumentFetcher({ pg: { open: () => Promise.reject(down) } }, 1_000);
    const sha256 = createHash('sha256').update('x').digest('hex');
    const file: FileUploaded = {
      ...(await uploaded(Buffer.from('x'), 'x.txt', 'text/plain')).data,
      location: `claim:pg/sha256/${sha256}`,
    };
    const error = await readUploadedFile(file, { ...reading, fetcher }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ClaimStoreUnavailable);
    expect(error).toMatchObject({ code: 'CLAIM_STORE_UNAVAILABLE', cause: down });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(isRetryable(error)).toBe(true);
  });
});
