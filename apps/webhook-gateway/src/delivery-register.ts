/**
 * The deliveries the gateway has accepted, by (source, delivery id), in PostgreSQL: a
 * redelivery finds its first acceptance here and is answered 202 with the same event id
 * without being published again.
 *
 * Why PostgreSQL: the platform runs it already (the event store, CDC), it is durable — a
 * gateway restart forgets nothing — and every gateway instance reads the same table, so a
 * redelivery that the load balancer sends to another instance is recognised too.
 *
 * A record is written only after Kafka acknowledged the event: a failed or timed-out publish
 * leaves no record, so the sender's retry is published rather than skipped. Two copies of one
 * delivery arriving at the same moment at two instances can both be published; they carry
 * the same event id (derived from source + delivery id), so downstream drops the second.
 * Records older than the retention are ignored and deleted in small batches.
 */
import type { Pool } from 'pg';
import type { Logger } from '@flowline/telemetry';

export interface DeliveryRegisterOptions {
  /** How long a delivery is remembered. */
  retentionMs: number;
  /** How often expired records are deleted. */
  sweepIntervalMs?: number;
  logger: Logger;
}

const TABLE = 'webhook_deliveries';
/** Rows deleted per statement: short transactions, no long lock on a big table. */
const SWEEP_BATCH = 5_000;

export class DeliveryRegister {
  readonly name = 'delivery-register';
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly options: DeliveryRegisterOptions,
  ) {}

  /** Creates the table when missing (several instances may start at once: one does it). */
  async start(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('flowline.${TABLE}'))`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${TABLE} (
          source text NOT NULL,
          delivery_id text NOT NULL,
          event_id uuid NOT NULL,
          accepted_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (source, delivery_id)
        )`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${TABLE}_accepted_at ON ${TABLE} (accepted_at)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    const interval = this.options.sweepIntervalMs ?? Math.min(600_000, this.options.retentionMs);
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'deleting expired delivery records failed'))
        .finally(() => (this.sweeping = undefined));
    }, interval);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
  }

  /** The event id a delivery was accepted under, within the retention; undefined when new. */
  async find(source: string, deliveryId: string): Promise<string | undefined> {
    const result = await this.pool.query<{ event_id: string }>(
      `SELECT event_id FROM ${TABLE}
        WHERE source = $1 AND delivery_id = $2 AND accepted_at > now() - make_interval(secs => $3)`,
      [source, deliveryId, this.options.retentionMs / 1000],
    );
    return result.rows[0]?.event_id;
  }

  /** Records an accepted delivery; call only after Kafka acknowledged its event. An expired record is renewed. */
  async record(source: string, deliveryId: string, eventId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${TABLE} (source, delivery_id, event_id) VALUES ($1, $2, $3)
       ON CONFLICT (source, delivery_id) DO UPDATE SET event_id = EXCLUDED.event_id, accepted_at = now()
        WHERE ${TABLE}.accepted_at <= now() - make_interval(secs => $4)`,
      [source, deliveryId, eventId, this.options.retentionMs / 1000],
    );
  }

  /** Deletes expired records, a batch at a time; returns how many. */
  async sweep(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const result = await this.pool.query(
        `DELETE FROM ${TABLE} WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM ${TABLE} WHERE accepted_at <= now() - make_interval(secs => $1) LIMIT ${SWEEP_BATCH}))`,
        [this.options.retentionMs / 1000],
      );
      deleted += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < SWEEP_BATCH) return deleted;
    }
  }

  readiness(): { name: string; check: () => Promise<void> } {
    return { name: 'postgresql', check: async () => void (await this.pool.query('SELECT 1')) };
  }
}
