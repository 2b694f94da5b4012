/** The PostgreSQL large-object store against the real server, in a database of its own. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import pg from 'pg';
import { createScratchDatabase, testInfra, type ScratchDatabase } from '@flowline/testing';
import { ClaimContentMismatch, ClaimCorrupted, ClaimNotFound } from './claim-check-errors';
import { PostgresClaimStore } from './postgres-claim-store';

const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const readAll = async (stream: Readable): Promise<Buffer> => Buffer.concat(await stream.toArray());

let database: ScratchDatabase;
let pool: pg.Pool;
let store: PostgresClaimStore;

beforeAll(async () => {
  database = await createScratchDatabase(testInfra().DATABASE_URL, 'claim_check');
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  // Small pieces, so a test file of a few hundred KiB crosses several lo_put / lo_get calls.
  store = new PostgresClaimStore(pool, { chunkBytes: 64 * 1024 });
  await store.start();
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

async function largeObjectCount(): Promise<number> {
  const result = await pool.query<{ count: string }>('SELECT count(*) AS count FROM pg_largeobject_metadata');
  return Number(result.rows[0]?.count);
}

describe('PostgresClaimStore (real PostgreSQL)', () => {
  it('stores content in pieces as one large object and streams it back', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const stored = await store.put(Readable.from([bytes.subarray(0, 70_000), bytes.subarray(70_000)]));
    expect(stored).toEqual({ reference: `claim:pg/sha256/${sha256Of(bytes)}`, sha256: sha256Of(bytes), size: 300_000 });
    expect((await readAll(await store.open(stored.reference))).equals(bytes)).toBe(true);
  });

  it('stores the same bytes twice as one object', async () => {
    const bytes = Buffer.from(`same ${Date.now()}`);
    const before = await largeObjectCount();
    const first = await store.put(Readable.from([bytes]));
    const second = await store.put(Readable.from([bytes]));
    expect(second).toEqual(first);
    expect(await largeObjectCount()).toBe(before + 1);
  });

  it('rolls back and throws CLAIM_CONTENT_MISMATCH when the content does not hash as expected', async () => {
    const before = await largeObjectCount();
    const put = store.put(Readable.from([Buffer.from('changed')]), { expectedSha256: sha256Of(Buffer.from('x')) });
    await expect(put).rejects.toThrow(ClaimContentMismatch);
    expect(await largeObjectCount()).toBe(before);
  });

  it('answers CLAIM_NOT_FOUND for content it does not hold', async () => {
    await expect(store.open(`claim:pg/sha256/${sha256Of(Buffer.from('never'))}`)).rejects.toThrow(ClaimNotFound);
  });

  it('fails the read with CLAIM_CORRUPTED when the large object was changed behind its back', async () => {
    const stored = await store.put(Readable.from([Buffer.from('original content')]));
    await pool.query(`SELECT lo_put(object_id, 0, 'TAMPERED'::bytea) FROM claim_check_objects WHERE sha256 = $1`, [
      stored.sha256,
    ]);
    await expect(readAll(await store.open(stored.reference))).rejects.toThrow(ClaimCorrupted);
  });
});
