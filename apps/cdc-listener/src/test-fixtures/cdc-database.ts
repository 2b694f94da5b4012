/**
 * A scratch PostgreSQL database for one CDC test file, and unique slot, publication and
 * table names per test. Every slot a test made is dropped at the end: a slot left behind
 * keeps WAL on the shared test server forever.
 */
import pg from 'pg';
import {
  createScratchDatabase,
  dropReplicationSlot,
  ScratchDatabase,
  testInfra,
  uniqueName,
  waitFor,
} from '@flowline/testing';

export interface CdcDatabase {
  readonly url: string;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** A lower-case name unique to this test, for a slot, publication or table. */
  name(label: string): string;
  /** Waits until no connection streams the slot: its WAL sender has processed everything it was sent. */
  released(slot: string): Promise<void>;
  /** Waits until no connection streams the slot, then drops it (if it exists). */
  dropSlot(slot: string): Promise<void>;
  confirmedFlushLsn(slot: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function createCdcDatabase(label: string): Promise<CdcDatabase> {
  const scratch: ScratchDatabase = await createScratchDatabase(testInfra().DATABASE_URL, label);
  const pool = new pg.Pool({ connectionString: scratch.url, max: 4 });
  pool.on('error', () => undefined);
  const query = async <R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> =>
    (await pool.query<R>(text, values)).rows;
  const dropSlot = (slot: string): Promise<void> => dropReplicationSlot(pool, slot);
  const released = async (slot: string): Promise<void> => {
    await waitFor(
      async () => {
        const rows = await query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [
          slot,
        ]);
        return rows[0]?.active !== true;
      },
      { timeoutMs: 30_000, description: `slot ${slot} to be released` },
    );
  };
  return {
    url: scratch.url,
    released,
    query,
    name: (prefix) => uniqueName(prefix).replace(/-/g, '_').toLowerCase(),
    dropSlot,
    confirmedFlushLsn: async (slot) =>
      (
        await query<{ lsn: string }>(
          'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        )
      )[0]?.lsn,
    close: async () => {
      // A database with a logical slot cannot be dropped: drop what a failed test left.
      const left = await query<{ slot_name: string }>(
        'SELECT slot_name FROM pg_replication_slots WHERE database = current_database()',
      );
      for (const { slot_name } of left) await dropSlot(slot_name);
      await pool.end();
      await scratch.drop();
    },
  };
}
