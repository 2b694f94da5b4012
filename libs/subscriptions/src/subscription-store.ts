/**
 * Outbound webhook subscriptions in PostgreSQL (`webhook_subscriptions`), shared by the
 * operator CLI (`flowline subscriptions add|list|disable|enable`) and the notifier, which
 * reads the enabled ones for each event and keeps each endpoint's run of failures.
 *
 * One table per database; rows are scoped by tenant (`FLOWLINE_TOPIC_PREFIX`), so tenants that
 * share a database do not receive each other's events. The table is created if missing by
 * whichever comes first.
 */
import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { generateStandardWebhookSecret, standardWebhookKey } from '@flowline/webhooks';
import { parseContentFilter, type ContentFilter } from './content-filter';
import { compileEventTypeFilter, type EventTypeFilter } from './event-type-filter';
import { SubscriptionInvalid, SubscriptionNotFound } from './subscription-errors';

export const SUBSCRIPTIONS_TABLE = 'webhook_subscriptions';

export interface Subscription {
  readonly id: string;
  readonly url: string;
  /** Exact types or globs (`invoice.*`, `**`). */
  readonly eventTypes: readonly string[];
  /** A content filter expression (content-filter.ts), or null for every event of the types. */
  readonly filter: string | null;
  /** `whsec_…`: the Standard Webhooks signing secret. */
  readonly secret: string;
  readonly description: string | null;
  readonly enabled: boolean;
  /** Why it was disabled (by an operator, a 410, a run of failures); null while enabled. */
  readonly disabledReason: string | null;
  readonly disabledAt: Date | null;
  /** Failed attempts since the last delivered one. */
  readonly consecutiveFailures: number;
  /** When the current run of failures began; null when the last attempt succeeded. */
  readonly failingSince: Date | null;
  readonly createdAt: Date;
}

export interface NewSubscription {
  url: string;
  eventTypes: readonly string[];
  filter?: string | undefined;
  /** Generated (32 random bytes) when not given. */
  secret?: string | undefined;
  description?: string | undefined;
}

/** A subscription with its filters compiled, as the notifier matches events against it. */
export interface ActiveSubscription extends Subscription {
  readonly types: EventTypeFilter;
  readonly content: ContentFilter | undefined;
}

/** An endpoint the notifier disabled, to be announced. */
export interface DisabledEndpoint extends Subscription {
  readonly kind: 'gone' | 'failing';
  readonly lastError: string | null;
}

/** What the notifier learns when it records a failed attempt. */
export interface FailureRun {
  /** True when this failure disabled the endpoint (it was enabled before). */
  disabledNow: boolean;
}

type Queryable = Pick<Pool | PoolClient, 'query'>;

interface SubscriptionRow {
  id: string;
  url: string;
  event_types: string[];
  filter: string | null;
  secret: string;
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  consecutive_failures: number;
  failing_since: Date | null;
  created_at: Date;
}

const COLUMNS = `id, url, event_types, filter, secret, description, enabled, disabled_reason, disabled_at,
  consecutive_failures, failing_since, created_at`;

export class SubscriptionStore {
  private readonly compiledFilters = new Map<string, Pick<ActiveSubscription, 'types' | 'content'>>();

  constructor(
    private readonly pool: Pool,
    /** FLOWLINE_TOPIC_PREFIX: the tenant whose subscriptions these are. */
    private readonly tenant = '',
  ) {}

  /** Creates or completes the table; safe when several processes start at once (an advisory lock serialises them). */
  async ensureSchema(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('flowline.webhook_subscriptions'))`);
      await this.createTable(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async createTable(client: PoolClient): Promise<void> {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${SUBSCRIPTIONS_TABLE} (
        tenant text NOT NULL,
        id text NOT NULL,
        url text NOT NULL,
        event_types text[] NOT NULL,
        filter text,
        secret text NOT NULL,
        description text,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        disabled_at timestamptz,
        consecutive_failures integer NOT NULL DEFAULT 0,
        failing_since timestamptz,
        disabled_kind text,
        last_error text,
        announce_pending boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, id)
      )`);
  }

  /** Validates and stores a new, enabled subscription; throws `SubscriptionInvalid` or `ContentFilterInvalid`. */
  async add(input: NewSubscription): Promise<Subscription> {
    const url = checkUrl(input.url);
    compileEventTypeFilter(input.eventTypes);
    const filter = input.filter === undefined || input.filter.trim() === '' ? null : input.filter.trim();
    if (filter !== null) parseContentFilter(filter);
    const secret = input.secret ?? generateStandardWebhookSecret();
    if (!secret.startsWith('whsec_')) throw new SubscriptionInvalid('a secret is whsec_ followed by base64 key bytes');
    try {
      if (standardWebhookKey(secret).length < 24) throw new SubscriptionInvalid('a secret holds at least 24 key bytes');
    } catch (error) {
      if (error instanceof SubscriptionInvalid) throw error;
      throw new SubscriptionInvalid('a secret is whsec_ followed by base64 key bytes', { cause: error });
    }
    const id = `sub_${randomBytes(12).toString('base64url')}`;
    const { rows } = await this.pool.query<SubscriptionRow>(
      `INSERT INTO ${SUBSCRIPTIONS_TABLE} (tenant, id, url, event_types, filter, secret, description)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [this.tenant, id, url, [...input.eventTypes], filter, secret, input.description ?? null],
    );
    return fromRow(rows[0] as SubscriptionRow);
  }

  /** Every subscription of the tenant, oldest first. */
  async list(): Promise<Subscription[]> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `SELECT ${COLUMNS} FROM ${SUBSCRIPTIONS_TABLE} WHERE tenant = $1 ORDER BY created_at, id`,
      [this.tenant],
    );
    return rows.map(fromRow);
  }

  async get(id: string, client: Queryable = this.pool): Promise<Subscription> {
    const { rows } = await client.query<SubscriptionRow>(
      `SELECT ${COLUMNS} FROM ${SUBSCRIPTIONS_TABLE} WHERE tenant = $1 AND id = $2`,
      [this.tenant, id],
    );
    const row = rows[0];
    if (row === undefined) throw new SubscriptionNotFound(id);
    return fromRow(row);
  }

  /**
   * The enabled subscriptions with their filters compiled (once per filter text, cached), read
   * inside the caller's transaction. A row whose types or filter no longer compile (written
   * around `add`, or by an older version) is disabled with the reason instead of failing
   * every event.
   */
  async active(client: Queryable = this.pool): Promise<ActiveSubscription[]> {
    const { rows } = await client.query<SubscriptionRow>(
      `SELECT ${COLUMNS} FROM ${SUBSCRIPTIONS_TABLE} WHERE tenant = $1 AND enabled ORDER BY created_at, id`,
      [this.tenant],
    );
    const active: ActiveSubscription[] = [];
    for (const row of rows) {
      const subscription = fromRow(row);
      try {
        active.push({ ...subscription, ...this.compiled(subscription) });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        await this.disable(subscription.id, `its filters do not compile: ${reason}`, client);
      }
    }
    return active;
  }

  private compiled(subscription: Subscription): Pick<ActiveSubscription, 'types' | 'content'> {
    const key = `${subscription.eventTypes.join('\n')}\u0000${subscription.filter ?? ''}`;
    let found = this.compiledFilters.get(key);
    if (found === undefined) {
      found = {
        types: compileEventTypeFilter(subscription.eventTypes),
        content: subscription.filter === null ? undefined : parseContentFilter(subscription.filter),
      };
      // Bounded: filters come and go with subscriptions.
      if (this.compiledFilters.size >= 1_000) this.compiledFilters.clear();
      this.compiledFilters.set(key, found);
    }
    return found;
  }

  /** Disables (idempotently: an already disabled one keeps its first reason). */
  async disable(id: string, reason: string, client: Queryable = this.pool): Promise<Subscription> {
    const { rows } = await client.query<SubscriptionRow>(
      `UPDATE ${SUBSCRIPTIONS_TABLE}
          SET disabled_reason = CASE WHEN enabled THEN $3 ELSE disabled_reason END,
              disabled_at = CASE WHEN enabled THEN now() ELSE disabled_at END,
              disabled_kind = CASE WHEN enabled THEN 'operator' ELSE disabled_kind END,
              enabled = false
        WHERE tenant = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [this.tenant, id, reason],
    );
    const row = rows[0];
    if (row === undefined) throw new SubscriptionNotFound(id);
    return fromRow(row);
  }

  /**
   * The endpoint answered 410 Gone: disabled at once, to be announced (`subscription.disabled`).
   * Returns whether this call disabled it.
   */
  async disableGone(id: string, reason: string, lastError: string, client: Queryable = this.pool): Promise<boolean> {
    const { rowCount } = await client.query(
      `UPDATE ${SUBSCRIPTIONS_TABLE}
          SET enabled = false, disabled_reason = $3, disabled_at = now(), disabled_kind = 'gone',
              announce_pending = true, last_error = $4,
              consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now())
        WHERE tenant = $1 AND id = $2 AND enabled`,
      [this.tenant, id, reason, lastError],
    );
    return rowCount === 1;
  }

  /** Endpoints the notifier disabled and has not announced yet (announced after the disable committed). */
  async pendingAnnouncements(): Promise<DisabledEndpoint[]> {
    const { rows } = await this.pool.query<
      SubscriptionRow & { disabled_kind: 'gone' | 'failing'; last_error: string | null }
    >(
      `SELECT ${COLUMNS}, disabled_kind, last_error FROM ${SUBSCRIPTIONS_TABLE}
        WHERE tenant = $1 AND announce_pending AND NOT enabled AND disabled_kind IN ('gone', 'failing')
        ORDER BY disabled_at LIMIT 100`,
      [this.tenant],
    );
    return rows.map((row) => ({ ...fromRow(row), kind: row.disabled_kind, lastError: row.last_error }));
  }

  /** After the announcement was acknowledged; a later disable (after an enable) is announced again. */
  async markAnnounced(id: string, disabledAt: Date): Promise<void> {
    await this.pool.query(
      // disabled_at holds microseconds, a Date milliseconds: compared as equal, they never were,
      // and the endpoint was announced again at every poll while it stayed disabled.
      `UPDATE ${SUBSCRIPTIONS_TABLE} SET announce_pending = false
        WHERE tenant = $1 AND id = $2 AND date_trunc('milliseconds', disabled_at) = $3`,
      [this.tenant, id, disabledAt],
    );
  }

  /** Enables again with a fresh run of failures; its held deliveries become due. */
  async enable(id: string): Promise<Subscription> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `UPDATE ${SUBSCRIPTIONS_TABLE}
          SET enabled = true, disabled_reason = NULL, disabled_at = NULL, disabled_kind = NULL,
              announce_pending = false, consecutive_failures = 0, failing_since = NULL
        WHERE tenant = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [this.tenant, id],
    );
    const row = rows[0];
    if (row === undefined) throw new SubscriptionNotFound(id);
    return fromRow(row);
  }

  /** A delivered attempt ends the endpoint's run of failures. */
  async recordDelivered(id: string, client: Queryable = this.pool): Promise<void> {
    await client.query(
      `UPDATE ${SUBSCRIPTIONS_TABLE} SET consecutive_failures = 0, failing_since = NULL
        WHERE tenant = $1 AND id = $2 AND consecutive_failures <> 0`,
      [this.tenant, id],
    );
  }

  /**
   * Counts a failed attempt of an enabled endpoint; disables the endpoint when the run reached `disableAfter.failures`
   * attempts and has lasted `disableAfter.ms` (both must hold: a burst of failures during a
   * short outage does not disable it).
   */
  async recordFailed(
    id: string,
    disableAfter: { failures: number; ms: number },
    reason: (failures: number, failingSince: Date) => string,
    lastError: string,
    client: Queryable = this.pool,
  ): Promise<FailureRun> {
    const counted = await client.query<{ consecutive_failures: number; failing_since: Date; due: boolean }>(
      `UPDATE ${SUBSCRIPTIONS_TABLE}
          SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now()),
              last_error = $5
        WHERE tenant = $1 AND id = $2 AND enabled
        RETURNING consecutive_failures, failing_since,
                  enabled AND consecutive_failures >= $3
                    AND now() - failing_since >= make_interval(secs => $4::double precision / 1000) AS due`,
      [this.tenant, id, disableAfter.failures, disableAfter.ms, lastError],
    );
    const run = counted.rows[0];
    if (run === undefined) {
      // Disabled meanwhile (an attempt in flight when it was): the run is over, not counted.
      return { disabledNow: false };
    }
    if (!run.due) return { disabledNow: false };
    // `AND enabled`: of two instances that count the last failure at once, one disables.
    const disabled = await client.query(
      `UPDATE ${SUBSCRIPTIONS_TABLE}
          SET enabled = false, disabled_reason = $3, disabled_at = now(), disabled_kind = 'failing', announce_pending = true
        WHERE tenant = $1 AND id = $2 AND enabled`,
      [this.tenant, id, reason(run.consecutive_failures, run.failing_since)],
    );
    return { disabledNow: disabled.rowCount === 1 };
  }
}

function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new SubscriptionInvalid(`"${text}" is not a URL, e.g. https://example.com/hooks/flowline`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new SubscriptionInvalid(`a webhook URL is http or https, not ${url.protocol.replace(/:$/, '')}`);
  if (url.hash !== '') throw new SubscriptionInvalid('a webhook URL has no #fragment');
  return url.toString();
}

function fromRow(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    filter: row.filter,
    secret: row.secret,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since,
    createdAt: row.created_at,
  };
}
