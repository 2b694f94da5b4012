/**
 * Claim checks as PostgreSQL large objects, for deployments without a shared folder (a
 * Kubernetes volume one pod mounts). The table `claim_check_objects` maps each SHA-256 to its
 * large object; content goes in and out in 1 MiB pieces (`lo_put` / `lo_get` with an
 * offset), so neither side holds a whole file in memory.
 *
 * Atomic: the large object and its row are written in one transaction, so a reader finds a
 * complete object or none. Idempotent by hash: a second put of the same bytes finds the row
 * (or loses the insert race) and rolls its own copy back.
 *
 * Suited to small and medium files (up to some hundred MB): every byte also goes through the
 * WAL, backups and replicas. Readers under another role need
 * `GRANT SELECT ON LARGE OBJECT <oid>` or `lo_compat_privileges` (README).
 */
import { Readable, pipeline as pipeStreams } from 'node:stream';
import type { Pool } from 'pg';
import { ClaimContentMismatch, ClaimNotFound } from './claim-check-errors';
import {
  HashVerifier,
  sourceStream,
  type ClaimCheckStore,
  type ClaimSource,
  type PutOptions,
  type StoredClaim,
} from './claim-check-store';
import { formatClaimReference, referenceOfStore } from './claim-reference';
import { ContentHasher } from './content-hasher';

export interface PostgresClaimStoreOptions {
  /** Table mapping hashes to large objects (default `claim_check_objects`). */
  table?: string;
  /** Bytes per `lo_put` / `lo_get` (default 1 MiB). */
  chunkBytes?: number;
}

const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

export class PostgresClaimStore implements ClaimCheckStore {
  readonly kind = 'pg';
  readonly name = 'claim-check-postgres';
  private readonly table: string;
  private readonly chunkBytes: number;

  constructor(
    private readonly pool: Pool,
    options: PostgresClaimStoreOptions = {},
  ) {
    this.table = options.table ?? 'claim_check_objects';
    if (!TABLE_NAME.test(this.table)) throw new Error(`"${this.table}" is not a plain lower-case table name`);
    this.chunkBytes = options.chunkBytes ?? 1024 * 1024;
  }

  /** Creates the table when missing (several instances may start at once: one does it). */
  async start(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('flowline.${this.table}'))`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.table} (
          sha256 text PRIMARY KEY,
          object_id oid NOT NULL,
          size bigint NOT NULL,
          stored_at timestamptz NOT NULL DEFAULT now()
        )`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  async put(source: ClaimSource, options: PutOptions = {}): Promise<StoredClaim> {
    if (options.expectedSha256 !== undefined) {
      const existing = await this.find(options.expectedSha256);
      if (existing !== undefined) return this.stored(options.expectedSha256, existing.size);
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const created = await client.query<{ oid: number }>('SELECT lo_create(0) AS oid');
      const oid = (created.rows[0] as { oid: number }).oid;
      const hasher = new ContentHasher();
      const input = sourceStream(source);
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let offset = 0;
      const writePending = async (): Promise<void> => {
        if (pendingBytes === 0) return;
        const piece = Buffer.concat(pending, pendingBytes);
        await client.query('SELECT lo_put($1::oid, $2::bigint, $3::bytea)', [oid, offset, piece]);
        offset += piece.length;
        pending = [];
        pendingBytes = 0;
      };
      // pipeline, not pipe: a read error of the source ends the loop with that error.
      const hashed = pipeStreams(Readable.from(input), hasher, () => undefined);
      for await (const chunk of hashed as AsyncIterable<Buffer>) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= this.chunkBytes) await writePending();
      }
      await writePending();
      const sha256 = hasher.digest();
      if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256) {
        throw new ClaimContentMismatch(`the content hashes to ${sha256}, not the expected ${options.expectedSha256}`);
      }
      const inserted = await client.query(
        `INSERT INTO ${this.table} (sha256, object_id, size) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`,
        [sha256, oid, offset],
      );
      // Already stored: the rollback drops this copy's large object.
      await client.query(inserted.rowCount === 1 ? 'COMMIT' : 'ROLLBACK');
      return this.stored(sha256, offset);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async open(reference: string): Promise<Readable> {
    const { sha256 } = referenceOfStore(reference, 'pg');
    const found = await this.find(sha256);
    if (found === undefined) throw new ClaimNotFound(`${reference}: not in ${this.table}`);
    const { pool, chunkBytes } = this;
    const { objectId, size } = found;
    async function* pieces(): AsyncGenerator<Buffer> {
      for (let offset = 0; offset < size; offset += chunkBytes) {
        const result = await pool.query<{ piece: Buffer }>('SELECT lo_get($1::oid, $2::bigint, $3::int) AS piece', [
          objectId,
          offset,
          chunkBytes,
        ]);
        yield (result.rows[0] as { piece: Buffer }).piece;
      }
    }
    return pipeStreams(Readable.from(pieces()), new HashVerifier(sha256, reference), () => undefined);
  }

  private async find(sha256: string): Promise<{ objectId: number; size: number } | undefined> {
    const result = await this.pool.query<{ object_id: number; size: string }>(
      `SELECT object_id, size FROM ${this.table} WHERE sha256 = $1`,
      [sha256],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : { objectId: Number(row.object_id), size: Number(row.size) };
  }

  private stored(sha256: string, size: number): StoredClaim {
    return { reference: formatClaimReference({ store: 'pg', sha256 }), sha256, size };
  }
}
