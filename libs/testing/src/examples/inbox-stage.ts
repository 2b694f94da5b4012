/**
 * Pattern 2 of docs/architecture.md, a stage with a database effect. This is a small stage
 * to copy; it is an example, not an API, so it is not exported from @flowline/testing. It adds
 * each approved `invoice.processed` to a per-supplier ledger row in PostgreSQL.
 *
 * Guarantee: the effect is applied exactly once per event id, however often the event is
 * delivered.
 *
 * Why it holds:
 * - The handler runs the effect inside `inbox.runOnce(event.id, (client) => ...)`. The inbox
 *   inserts the event id in the same PostgreSQL transaction as the effect, so both commit or
 *   neither does.
 * - The Kafka offset is committed after the handler returned.
 * - A redelivery finds the id and does nothing. That covers a crash between the database
 *   commit and the offset commit, a rebalance, `flowline dlq redrive`, `flowline replay`,
 *   and a new consumer group reading from the beginning.
 * - An effect that fails rolls the id back with it, so the retry applies it, once.
 *
 * The consumer is not transactional: Kafka transactions cover Kafka writes only, and this
 * effect is in PostgreSQL. A stage whose only effect is new events uses pattern 1 instead
 * (`transactional: true`, see apps/router).
 */
import { Pool } from 'pg';
import { MessagingClient, PostgresInbox, type RetryPolicy } from '@flowline/messaging';
import type { Logger } from '@flowline/telemetry';

export interface InboxStageOptions {
  brokers: readonly string[];
  databaseUrl: string;
  topic: string;
  groupId: string;
  /** The ledger table, a plain lower-case identifier; its inbox table is `<table>_inbox`. */
  table: string;
  logger: Logger;
  /** The consumer runtime's retry policy (a test gives itself time to repair a failing effect). */
  retry?: Partial<RetryPolicy>;
}

export interface InboxStage {
  /** Finishes the event in hand, commits its offset, then closes Kafka and the pool. */
  stop(): Promise<void>;
}

export async function startInboxStage(options: InboxStageOptions): Promise<InboxStage> {
  const { table, logger } = options;
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`table name "${table}" must be a plain lower-case identifier`);
  const pool = new Pool({ connectionString: options.databaseUrl, max: 4 });
  // The recorded ids belong to the effect (this ledger), not to a Kafka consumer group. A
  // replay through a new group must find them too. A real stage names itself here and keeps
  // the default table `flowline_inbox`; the example keeps one inbox per ledger, so parallel
  // tests share nothing.
  const inbox = new PostgresInbox(pool, `ledger:${table}`, `${table}_inbox`);
  await inbox.ensureSchema();
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
       supplier text NOT NULL,
       currency text NOT NULL,
       total_minor bigint NOT NULL,
       invoices integer NOT NULL,
       PRIMARY KEY (supplier, currency)
     )`,
  );

  const messaging = new MessagingClient({ brokers: options.brokers, clientId: 'example-inbox-stage', logger });
  // Dead letters only: this stage's output is the database row.
  const deadLetters = messaging.createPublisher();
  const consumer = messaging.createConsumer({
    groupId: options.groupId,
    topics: [options.topic],
    publisher: deadLetters,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    async handle(event) {
      if (event.type !== 'invoice.processed' || event.data.decision !== 'approved') return;
      const { supplier, total } = event.data.fields;
      // The schema guarantees both for an approved invoice; the check narrows the types.
      if (supplier === undefined || total === undefined) return;
      // The effect increments: applied twice, it would count the invoice twice. runOnce applies it
      // only when the event id is new, in one transaction with recording the id.
      const result = await inbox.runOnce(event.id, async (client) => {
        await client.query(
          `INSERT INTO ${table} AS ledger (supplier, currency, total_minor, invoices) VALUES ($1, $2, $3, 1)
           ON CONFLICT (supplier, currency) DO UPDATE
             SET total_minor = ledger.total_minor + EXCLUDED.total_minor, invoices = ledger.invoices + 1`,
          [supplier.name, total.currency, total.amountMinor],
        );
      });
      // The log line carries event_id and correlationid (the consumer binds them for the handler).
      logger.info({ result }, result === 'applied' ? 'ledger entry applied' : 'duplicate: already applied');
    },
  });

  try {
    await deadLetters.start();
    await consumer.start();
  } catch (error) {
    await deadLetters.stop().catch(() => undefined);
    await pool.end();
    throw error;
  }
  return {
    async stop() {
      // Consumer first: the event in hand finishes and its offset is committed while the pool is open.
      await consumer.stop();
      await deadLetters.stop();
      await pool.end();
    },
  };
}
