/**
 * The invoice agent's database effect (pattern 2 of docs/architecture.md): per handled event,
 * one decision row holding the `invoice.processed` event it emits; per invoice, its keys
 * (invoice-keys.ts) with the first decision, so the same invoice is recognised across
 * restarts and instances.
 *
 * Both are written in the PostgresInbox transaction of the input event id:
 * - the same event again (a redelivery, `flowline dlq redrive`, `flowline replay`) finds its
 *   decision row and emits the stored event again: same id, same content, no second effect;
 * - another event with an invoice already registered (the same PDF mailed twice, a corrected
 *   resend) is a duplicate: the key insert conflicts. Two instances processing the same
 *   invoice at once cannot both register it: the second insert waits on the first one's
 *   unique-key lock, then sees its row.
 * Rows are kept per tenant (FLOWLINE_TOPIC_PREFIX), like topics.
 */
import type { Pool, PoolClient } from 'pg';
import type { InvoiceProcessed } from '@flowline/event-schemas';
import type { Decision, EarlierInvoice } from './decide-invoice';

export interface StoredDecision {
  outputId: string;
  outputTime: Date;
  data: InvoiceProcessed;
}

export class InvoiceRegister {
  constructor(
    private readonly pool: Pool,
    private readonly tenant: string,
  ) {}

  /** Creates the tables when missing (several instances may start at once: one does it). */
  async ensureSchema(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('flowline.invoice_agent_schema'))`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS invoice_agent_decisions (
          tenant text NOT NULL,
          event_id text NOT NULL,
          output_event_id text NOT NULL,
          output_time timestamptz NOT NULL,
          document_sha256 text NOT NULL,
          invoice_number text,
          supplier text,
          decision text NOT NULL,
          total_minor bigint,
          currency text,
          duplicate_of text,
          data jsonb NOT NULL,
          decided_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (tenant, event_id)
        )`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS invoice_agent_invoices (
          tenant text NOT NULL,
          invoice_key text NOT NULL,
          event_id text NOT NULL,
          document_sha256 text NOT NULL,
          decision text NOT NULL,
          registered_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (tenant, invoice_key)
        )`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The decision already recorded for an input event, if any. */
  async decisionFor(eventId: string, client: Pick<Pool, 'query'> = this.pool): Promise<StoredDecision | undefined> {
    const result = await client.query<{ output_event_id: string; output_time: Date; data: InvoiceProcessed }>(
      'SELECT output_event_id, output_time, data FROM invoice_agent_decisions WHERE tenant = $1 AND event_id = $2',
      [this.tenant, eventId],
    );
    const row = result.rows[0];
    return row === undefined
      ? undefined
      : { outputId: row.output_event_id, outputTime: row.output_time, data: row.data };
  }

  /**
   * Registers an invoice's keys for an event, in the caller's transaction. Returns the earlier
   * invoice when any key was taken (the keys are then left to it), else undefined.
   */
  async register(
    client: PoolClient,
    keys: readonly string[],
    invoice: { eventId: string; documentSha256: string; decision: Decision },
  ): Promise<EarlierInvoice | undefined> {
    if (keys.length === 0) return undefined;
    const inserted = await client.query(
      `INSERT INTO invoice_agent_invoices (tenant, invoice_key, event_id, document_sha256, decision)
       SELECT $1, key, $3, $4, $5 FROM unnest($2::text[]) AS key
       ON CONFLICT DO NOTHING`,
      [this.tenant, keys, invoice.eventId, invoice.documentSha256, invoice.decision],
    );
    if (inserted.rowCount === keys.length) return undefined;
    const earlier = await client.query<{ event_id: string; document_sha256: string; decision: Decision }>(
      `SELECT event_id, document_sha256, decision FROM invoice_agent_invoices
        WHERE tenant = $1 AND invoice_key = ANY($2::text[]) AND event_id <> $3
        ORDER BY registered_at LIMIT 1`,
      [this.tenant, keys, invoice.eventId],
    );
    await client.query('DELETE FROM invoice_agent_invoices WHERE tenant = $1 AND event_id = $2', [
      this.tenant,
      invoice.eventId,
    ]);
    const row = earlier.rows[0];
    return row === undefined
      ? undefined
      : { eventId: row.event_id, documentSha256: row.document_sha256, decision: row.decision };
  }

  /** Records the decision and the event that announces it, in the caller's transaction. */
  async recordDecision(client: PoolClient, eventId: string, stored: StoredDecision): Promise<void> {
    const { data } = stored;
    await client.query(
      `INSERT INTO invoice_agent_decisions (tenant, event_id, output_event_id, output_time, document_sha256,
         invoice_number, supplier, decision, total_minor, currency, duplicate_of, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        this.tenant,
        eventId,
        stored.outputId,
        stored.outputTime,
        data.documentSha256,
        data.fields.invoiceNumber ?? null,
        data.fields.supplier?.name ?? null,
        data.decision,
        data.fields.total?.amountMinor ?? null,
        data.fields.total?.currency ?? null,
        data.duplicateOf?.eventId ?? null,
        JSON.stringify(data),
      ],
    );
  }
}
