/**
 * The outbound webhook delivery queue, in PostgreSQL, so pending retries survive a restart and
 * several notifier instances share the work.
 *
 * - `outbound_webhook_events`: each event to deliver once, as the exact body sent (the structured
 *   CloudEvent JSON) and where it was read (for its dead letter).
 * - `outbound_webhook_deliveries`: one row per (subscription, event): status `pending` → `delivered`
 *   or `dead`, attempts made, the next attempt's time, the last error.
 *
 * Rows are written in the `PostgresInbox` transaction of the consumed event (pattern 2 of
 * docs/architecture.md), so the Kafka offset is committed only after they are durable and a
 * redelivered event enqueues nothing. A dispatcher claims due rows with `FOR UPDATE SKIP
 * LOCKED` and moves their next attempt past the attempt's deadline (a lease): an instance that
 * dies mid-attempt leaves the row to be tried again once the lease ran out, with the same
 * `webhook-id`. Rows of a disabled subscription are not claimed (held).
 */
import type { Pool, PoolClient } from 'pg';
import { SUBSCRIPTIONS_TABLE } from '@flowline/subscriptions';

const EVENTS_TABLE = 'outbound_webhook_events';
const DELIVERIES_TABLE = 'outbound_webhook_deliveries';

type Queryable = Pick<Pool | PoolClient, 'query'>;

export interface QueuedEvent {
  id: string;
  type: string;
  partitionKey: string;
  /** The exact bytes every attempt sends and signs. */
  body: Buffer;
  /** Where the event was read, for its dead letter. */
  position: { topic: string; partition: number; offset: string };
}

export interface ClaimedDelivery {
  subscriptionId: string;
  url: string;
  secret: string;
  event: QueuedEvent;
  /** Attempts made before this one. */
  attempts: number;
  firstFailureAt: Date | null;
  enqueuedAt: Date;
  /** The subscription's run of failures when claimed: 0 means a success has nothing to reset. */
  subscriptionFailures: number;
}

interface ClaimedRow {
  subscription_id: string;
  event_id: string;
  attempts: number;
  first_failure_at: Date | null;
  created_at: Date;
  type: string;
  partition_key: string;
  body: Buffer;
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  url: string;
  secret: string;
  consecutive_failures: number;
}

export class DeliveryQueue {
  constructor(
    private readonly pool: Pool,
    private readonly tenant: string,
  ) {}

  /** Creates the tables if missing; an advisory lock serialises instances that start at once. */
  async ensureSchema(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('flowline.outbound_webhook_deliveries'))`);
      await this.createTables(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async createTables(client: PoolClient): Promise<void> {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} (
        tenant text NOT NULL,
        event_id text NOT NULL,
        type text NOT NULL,
        partition_key text NOT NULL,
        body bytea NOT NULL,
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, event_id)
      )`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${DELIVERIES_TABLE} (
        tenant text NOT NULL,
        subscription_id text NOT NULL,
        event_id text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        last_status integer,
        last_error text,
        first_failure_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, subscription_id, event_id)
      )`);
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${DELIVERIES_TABLE}_due ON ${DELIVERIES_TABLE} (tenant, next_attempt_at) WHERE status = 'pending'`,
    );
  }

  /** In the inbox transaction: the event and one pending delivery per subscription, due now. */
  async enqueue(client: Queryable, event: QueuedEvent, subscriptionIds: readonly string[]): Promise<void> {
    if (subscriptionIds.length === 0) return;
    await client.query(
      `INSERT INTO ${EVENTS_TABLE} (tenant, event_id, type, partition_key, body, topic, kafka_partition, kafka_offset)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [
        this.tenant,
        event.id,
        event.type,
        event.partitionKey,
        event.body,
        event.position.topic,
        event.position.partition,
        event.position.offset,
      ],
    );
    await client.query(
      `INSERT INTO ${DELIVERIES_TABLE} (tenant, subscription_id, event_id)
       SELECT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING`,
      [this.tenant, subscriptionIds, event.id],
    );
  }

  /**
   * A redriven or replayed event (its id already in the inbox): the deliveries of it that went
   * dead start again from the schedule's first step. Delivered and still pending ones are left
   * alone, and a subscription added since is not given it (a redrive is not a backfill).
   */
  async rearmDead(eventId: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${DELIVERIES_TABLE}
          SET status = 'pending', attempts = 0, next_attempt_at = now(), first_failure_at = NULL
        WHERE tenant = $1 AND event_id = $2 AND status = 'dead'`,
      [this.tenant, eventId],
    );
    return rowCount ?? 0;
  }

  /**
   * Claims up to `limit` due deliveries of enabled subscriptions, skipping rows another
   * instance holds, and leases them for `leaseMs` (their next attempt moves that far ahead).
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const { rows } = await this.pool.query<ClaimedRow>(
      `WITH due AS (
         SELECT d.subscription_id, d.event_id
           FROM ${DELIVERIES_TABLE} d
           JOIN ${SUBSCRIPTIONS_TABLE} s ON s.tenant = d.tenant AND s.id = d.subscription_id AND s.enabled
          WHERE d.tenant = $1 AND d.status = 'pending' AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at
          LIMIT $2
          FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE ${DELIVERIES_TABLE} d
          SET next_attempt_at = now() + $3 * interval '1 millisecond'
         FROM due, ${EVENTS_TABLE} e, ${SUBSCRIPTIONS_TABLE} s
        WHERE d.tenant = $1 AND d.subscription_id = due.subscription_id AND d.event_id = due.event_id
          AND e.tenant = d.tenant AND e.event_id = d.event_id
          AND s.tenant = d.tenant AND s.id = d.subscription_id
       RETURNING d.subscription_id, d.event_id, d.attempts, d.first_failure_at, d.created_at,
                 e.type, e.partition_key, e.body, e.topic, e.kafka_partition, e.kafka_offset, s.url, s.secret,
                 s.consecutive_failures`,
      [this.tenant, limit, leaseMs],
    );
    return rows.map((row) => ({
      subscriptionId: row.subscription_id,
      url: row.url,
      secret: row.secret,
      attempts: row.attempts,
      firstFailureAt: row.first_failure_at,
      enqueuedAt: row.created_at,
      subscriptionFailures: row.consecutive_failures,
      event: {
        id: row.event_id,
        type: row.type,
        partitionKey: row.partition_key,
        body: row.body,
        position: { topic: row.topic, partition: row.kafka_partition, offset: row.kafka_offset },
      },
    }));
  }

  markDelivered(client: Queryable, delivery: ClaimedDelivery, status: number): Promise<void> {
    return this.markManyDelivered(client, [{ delivery, status }]);
  }

  /** Several delivered attempts (to endpoints with no run of failures to end) in one statement, one commit. */
  async markManyDelivered(
    client: Queryable,
    deliveries: readonly { delivery: ClaimedDelivery; status: number }[],
  ): Promise<void> {
    if (deliveries.length === 0) return;
    await client.query(
      `UPDATE ${DELIVERIES_TABLE} d
          SET status = 'delivered', attempts = d.attempts + 1, last_attempt_at = now(), delivered_at = now(),
              last_status = done.status, last_error = NULL
         FROM unnest($2::text[], $3::text[], $4::int[]) AS done(subscription_id, event_id, status)
        WHERE d.tenant = $1 AND d.subscription_id = done.subscription_id AND d.event_id = done.event_id`,
      [
        this.tenant,
        deliveries.map(({ delivery }) => delivery.subscriptionId),
        deliveries.map(({ delivery }) => delivery.event.id),
        deliveries.map(({ status }) => status),
      ],
    );
  }

  /**
   * A failed attempt: the next one after `delayMs` (measured on the database's clock, like the
   * claim), or `dead` when `delayMs` is undefined (the schedule is used up).
   */
  async markFailed(
    client: Queryable,
    delivery: ClaimedDelivery,
    failure: { error: string; status: number | undefined; delayMs: number | undefined },
  ): Promise<void> {
    await client.query(
      `UPDATE ${DELIVERIES_TABLE}
          SET attempts = attempts + 1, last_attempt_at = now(), last_status = $4, last_error = $5,
              first_failure_at = coalesce(first_failure_at, now()),
              status = CASE WHEN $6::double precision IS NULL THEN 'dead' ELSE 'pending' END,
              next_attempt_at = CASE WHEN $6::double precision IS NULL THEN next_attempt_at
                                     ELSE now() + $6::double precision * interval '1 millisecond' END
        WHERE tenant = $1 AND subscription_id = $2 AND event_id = $3`,
      [
        this.tenant,
        delivery.subscriptionId,
        delivery.event.id,
        failure.status ?? null,
        failure.error,
        failure.delayMs ?? null,
      ],
    );
  }
}
