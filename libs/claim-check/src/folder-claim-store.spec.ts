import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ClaimContentMismatch, ClaimCorrupted, ClaimNotFound, ClaimReferenceInvalid } from './claim-check-errors';
import { FolderClaimStore } from './folder-claim-store';

const sha256Of = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
const readAll = async (stream: Readable): Promise<Buffer> => Buffer.concat(await stream.toArray());

let root: string;
let store: FolderClaimStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'claim-check-'));
  store = new FolderClaimStore(join(root, 'claims'));
  await store.start();
});

afterEach(() => rm(root, { recursive: true, force: true }));

describe('FolderClaimStore', () => {
  it('stores a file under its hash and opens it by reference', async () => {
    const source = join(root, 'invoice.pdf');
    await writeFile(source, '%PDF-1.7 an invoice');
    const stored = await store.put(source);
    const sha256 = sha256Of('%PDF-1.7 an invoice');
    expect(stored).toEqual({ reference: `claim:fs/sha256/${sha256}`, sha256, size: 19 });
    expect(await readFile(join(root, 'claims', sha256.slice(0, 2), sha256), 'utf8')).toBe('%PDF-1.7 an invoice');
    expect((await readAll(await store.open(stored.reference))).toString()).toBe('%PDF-1.7 an invoice');
  });

  it('stores a stream, and the same bytes twice as one object with one reference', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
    const first = await store.put(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]));
    const second = await store.put(Readable.from([bytes]));
    expect(second).toEqual(first);
    expect(first.size).toBe(bytes.length);
    expect(await readdir(join(root, 'claims', first.sha256.slice(0, 2)))).toEqual([first.sha256]);
    expect(await readdir(join(root, 'claims', 'tmp'))).toEqual([]);
  });

  it('stores a content held in memory as one piece', async () => {
    const bytes = Buffer.from('a small file, already read');
    const stored = await store.put(bytes, { expectedSha256: sha256Of(bytes) });
    expect(stored).toMatchObject({ sha256: sha256Of(bytes), size: bytes.length });
    expect((await readAll(await store.open(stored.reference))).equals(bytes)).toBe(true);
  });

  it('makes a prefix folder again when it was removed behind its back', async () => {
    const first = await store.put(Buffer.from('first'));
    await rm(join(root, 'claims', first.sha256.slice(0, 2)), { recursive: true });
    await store.put(Buffer.from('first'));
    expect((await readAll(await store.open(first.reference))).toString()).toBe('first');
  });

  it('reads nothing when the expected hash is already stored', async () => {
    const stored = await store.put(Readable.from([Buffer.from('once')]));
    const neverRead = Readable.from(
      (async function* () {
        yield await Promise.resolve(Buffer.alloc(0));
        throw new Error('the source was read');
      })(),
    );
    await expect(store.put(neverRead, { expectedSha256: stored.sha256 })).resolves.toEqual(stored);
  });

  it('keeps nothing and throws CLAIM_CONTENT_MISMATCH when the content does not hash as expected', async () => {
    const put = store.put(Readable.from([Buffer.from('changed since hashing')]), { expectedSha256: sha256Of('x') });
    await expect(put).rejects.toThrow(ClaimContentMismatch);
    expect((await readdir(join(root, 'claims'))).sort()).toEqual(['tmp']);
    expect(await readdir(join(root, 'claims', 'tmp'))).toEqual([]);
  });

  it('keeps no partial file when the source fails midway', async () => {
    const failing = Readable.from(
      (async function* () {
        yield await Promise.resolve(Buffer.from('half of it'));
        throw new Error('disk gone');
      })(),
    );
    await expect(store.put(failing)).rejects.toThrow('disk gone');
    expect((await readdir(join(root, 'claims'))).sort()).toEqual(['tmp']);
    expect(await readdir(join(root, 'claims', 'tmp'))).toEqual([]);
  });

  it('answers CLAIM_NOT_FOUND for content it does not hold, and refuses a PostgreSQL reference', async () => {
    await expect(store.open(`claim:fs/sha256/${sha256Of('never stored')}`)).rejects.toThrow(ClaimNotFound);
    await expect(store.open(`claim:pg/sha256/${sha256Of('x')}`)).rejects.toThrow(ClaimReferenceInvalid);
  });

  it('fails the read with CLAIM_CORRUPTED when the stored file was changed behind its back', async () => {
    const stored = await store.put(Readable.from([Buffer.from('original')]));
    await writeFile(store.pathOf(stored.sha256), 'tampered');
    await expect(readAll(await store.open(stored.reference))).rejects.toThrow(ClaimCorrupted);
  });

  it('deletes abandoned .part files at start, and keeps recent ones', async () => {
    const old = join(root, 'claims', 'tmp', 'old.part');
    const recent = join(root, 'claims', 'tmp', 'recent.part');
    await writeFile(old, 'crashed put');
    await writeFile(recent, 'put in progress');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(old, twoHoursAgo, twoHoursAgo);
    await new FolderClaimStore(join(root, 'claims')).start();
    expect(await readdir(join(root, 'claims', 'tmp'))).toEqual(['recent.part']);
  });
});
