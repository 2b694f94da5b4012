import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ClaimNotFound, FolderClaimStore } from '@flowline/claim-check';
import { DocumentTooLarge } from '@flowline/documents';
import { DocumentFetcher } from './document-fetcher';
import { DocumentLocationUnsupported } from './invoice-errors';

describe('DocumentFetcher', () => {
  let root: string;
  let store: FolderClaimStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'invoice-claims-'));
    store = new FolderClaimStore(root);
    await store.start();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('reads a document stored in the claim-check folder by its reference', async () => {
    const { reference } = await store.put(Readable.from([Buffer.from('Invoice 1\nTotal 10.00 EUR')]));
    expect((await new DocumentFetcher({ fs: store }, 1_000).fetch(reference)).toString()).toBe(
      'Invoice 1\nTotal 10.00 EUR',
    );
  });

  it('refuses what is no claim-check reference, and a store it does not have', async () => {
    const fetcher = new DocumentFetcher({ fs: store }, 1_000);
    await expect(fetcher.fetch('/etc/passwd')).rejects.toBeInstanceOf(DocumentLocationUnsupported);
    await expect(fetcher.fetch(`claim:pg/sha256/${'a'.repeat(64)}`)).rejects.toBeInstanceOf(
      DocumentLocationUnsupported,
    );
  });

  it('passes on a missing document as ClaimNotFound', async () => {
    await expect(
      new DocumentFetcher({ fs: store }, 1_000).fetch(`claim:fs/sha256/${'b'.repeat(64)}`),
    ).rejects.toBeInstanceOf(ClaimNotFound);
  });

  it('stops reading a document larger than allowed', async () => {
    const { reference } = await store.put(Readable.from([Buffer.alloc(2_000, 0x41)]));
    await expect(new DocumentFetcher({ fs: store }, 1_000).fetch(reference)).rejects.toBeInstanceOf(DocumentTooLarge);
  });
});
