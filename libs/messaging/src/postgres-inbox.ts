/**
 * The inbox: effectively-once for handlers whose effect is outside Kafka (a database
 * write). The event id is recorded in the same PostgreSQL transaction as the effect, so
 * either both happen or neither; a redelivered event (a crash between the database commit
 * and the Kafka offset commit, or a rebalance) finds its id and is skipped.
 *
 * Use Kafka transactions instead when the handler's only effect is new events.
 */
import type { Pool, PoolClient } from 'pg';

export type InboxResult = 'applied' | 'duplicate';

export class PostgresInbox {
  constructor(
    private readonly pool: Pool,
    /** Which consumer the ids belong to: one event may be handled once by each consumer group. */
    private readonly consumer: string,
    private readonly table = 'flowline_inbox',
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(table))
      throw new Error(`inbox table name "${table}" must be a plain lower-case identifier`);
  }

  async ensureSchema(): Promise<void> {
    await this.pool.query(
      `CREATE TABLE IF NOT EXISTS ${this.table} (
         consumer text NOT NULL,
         event_id text NOT NULL,
         processed_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (consumer, event_id)
       )`,
    );
  }

  /**
   * Runs `effect` in a transaction that also records `eventId`; when the id is already
   * recorded, nothing runs. A concurrent duplicate waits on the first one's row lock.
   */
  async runOnce(eventId: string, effect: (client: PoolClient) => Promise<void>): Promise<InboxResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const inserted = await client.query(
        `INSERT INTO ${this.table} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [this.consumer, eventId],
      );
      if (inserted.rowCount === 0) {
        await client.query('ROLLBACK');
        return 'duplicate';
      }
      await effect(client);
      await client.query('COMMIT');
      return 'applied';
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
