/**
 * Drops a logical replication slot once its WAL sender let go of it. A listener that just
 * stopped may still hold it for a moment (the server's walsender outlives the client), and an
 * active slot cannot be dropped; a slot left behind holds WAL, and its database, for good.
 */
import type { Pool, Client } from 'pg';
import { waitFor } from './wait-for';

export async function dropReplicationSlot(db: Pick<Pool | Client, 'query'>, slot: string): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await db.query<{ active: boolean }>(
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      );
      if (rows.length === 0) return true;
      if (rows[0]?.active === true) return false;
      await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
      return true;
    },
    { timeoutMs: 30_000, description: `slot ${slot} to be released and dropped` },
  );
}
