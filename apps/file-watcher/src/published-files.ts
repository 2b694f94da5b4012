/**
 * The contents the watcher has published, by SHA-256, in PostgreSQL: a file whose content
 * is found here is a duplicate (a copy, a rename, a move, a file left in the folder across a
 * restart) and is not published again.
 *
 * Why PostgreSQL: the platform runs it already (the event store, CDC), it is durable — a
 * restart forgets nothing — and every watcher instance reads the same table, so a file
 * dropped into two instances' folders, or a shared folder, is published once.
 *
 * A content is recorded only after Kafka acknowledged its event. A crash in between leaves
 * no record, so the file is published again at the next start, with the same event id
 * (derived from the hash): a duplicate consumers drop, never a lost file. Two instances
 * reading the same new content at the same moment can both publish it, again with one id.
 */
import type { Pool } from 'pg';

export const PUBLISHED_FILES_TABLE = 'file_watcher_published';

export interface PublishedContent {
  sha256: string;
  eventId: string;
  folder: string;
  /** Where the content was first found (relative to its folder). */
  firstPath: string;
  size: number;
}

export class PublishedFiles {
  readonly name = 'published-files';

  constructor(private readonly pool: Pool) {}

  /** Creates the table when missing (several instances may start at once: one does it). */
  async start(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('flowline.${PUBLISHED_FILES_TABLE}'))`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${PUBLISHED_FILES_TABLE} (
          sha256 text PRIMARY KEY,
          event_id uuid NOT NULL,
          folder text NOT NULL,
          first_path text NOT NULL,
          size bigint NOT NULL,
          published_at timestamptz NOT NULL DEFAULT now()
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

  /** Which of these contents were published already (one query for a whole batch). */
  async find(sha256s: readonly string[]): Promise<Map<string, PublishedContent>> {
    if (sha256s.length === 0) return new Map();
    const result = await this.pool.query<{
      sha256: string;
      event_id: string;
      folder: string;
      first_path: string;
      size: string;
    }>(
      `SELECT sha256, event_id, folder, first_path, size FROM ${PUBLISHED_FILES_TABLE} WHERE sha256 = ANY($1::text[])`,
      [sha256s],
    );
    return new Map(
      result.rows.map((row) => [
        row.sha256,
        {
          sha256: row.sha256,
          eventId: row.event_id,
          folder: row.folder,
          firstPath: row.first_path,
          size: Number(row.size),
        },
      ]),
    );
  }

  /** Records contents whose events Kafka acknowledged (call only then). A content already recorded is kept as it was. */
  async record(contents: readonly PublishedContent[]): Promise<void> {
    if (contents.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${PUBLISHED_FILES_TABLE} (sha256, event_id, folder, first_path, size)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::bigint[])
       ON CONFLICT (sha256) DO NOTHING`,
      [
        contents.map((content) => content.sha256),
        contents.map((content) => content.eventId),
        contents.map((content) => content.folder),
        contents.map((content) => content.firstPath),
        contents.map((content) => content.size),
      ],
    );
  }

  readiness(): { name: string; check: () => Promise<void> } {
    return { name: 'postgresql', check: async () => void (await this.pool.query('SELECT 1')) };
  }
}
