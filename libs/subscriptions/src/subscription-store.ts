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

/** What the notifier learns when it records a failed attempt. */
export interface FailureRun {
  consecutiveFailures: number;
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
  constructor(
    private readonly pool: Pool,
    /** FLOWLINE_TOPIC_PREFIX: the tenant whose subscriptions these are. */
    private readonly tenant = '',
  ) {}

  async ensureSchema(): Promise<void> {
    await this.pool.query(`
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

  /** The enabled subscriptions with their filters compiled, read inside the caller's transaction. */
  async active(client: Queryable = this.pool): Promise<ActiveSubscription[]> {
    const { rows } = await client.query<SubscriptionRow>(
      `SELECT ${COLUMNS} FROM ${SUBSCRIPTIONS_TABLE} WHERE tenant = $1 AND enabled ORDER BY created_at, id`,
      [this.tenant],
    );
    return rows.map((row) => {
      const subscription = fromRow(row);
      return {
        ...subscription,
        types: compileEventTypeFilter(subscription.eventTypes),
        content: subscription.filter === null ? undefined : parseContentFilter(subscription.filter),
      };
    });
  }

  /** Disables (idempotently: an already disabled one keeps its first reason). */
  async disable(id: string, reason: string, client: Queryable = this.pool): Promise<Subscription> {
    const { rows } = await client.query<SubscriptionRow>(
      `UPDATE ${SUBSCRIPTIONS_TABLE}
          SET disabled_reason = CASE WHEN enabled THEN $3 ELSE disabled_reason END,
              disabled_at = CASE WHEN enabled THEN now() ELSE disabled_at END,
              enabled = false
        WHERE tenant = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [this.tenant, id, reason],
    );
    const row = rows[0];
    if (row === undefined) throw new SubscriptionNotFound(id);
    return fromRow(row);
  }

  /** Enables again with a fresh run of failures; its held deliveries become due. */
  async enable(id: string): Promise<Subscription> {
    const { rows } = await this.pool.query<SubscriptionRow>(
      `UPDATE ${SUBSCRIPTIONS_TABLE}
          SET enabled = true, disabled_reason = NULL, disabled_at = NULL, consecutive_failures = 0, failing_since = NULL
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
   * Counts a failed attempt; disables the endpoint when the run reached `disableAfter.failures`
   * attempts and has lasted `disableAfter.ms` (both must hold: a burst of failures during a
   * short outage does not disable it).
   */
  async recordFailed(
    id: string,
    disableAfter: { failures: number; ms: number },
    reason: (failures: number) => string,
    client: Queryable = this.pool,
  ): Promise<FailureRun> {
    const counted = await client.query<{ consecutive_failures: number; due: boolean }>(
      `UPDATE ${SUBSCRIPTIONS_TABLE}
          SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now())
        WHERE tenant = $1 AND id = $2
        RETURNING consecutive_failures,
                  enabled AND consecutive_failures >= $3
                    AND now() - failing_since >= make_interval(secs => $4::double precision / 1000) AS due`,
      [this.tenant, id, disableAfter.failures, disableAfter.ms],
    );
    const run = counted.rows[0];
    if (run === undefined) throw new SubscriptionNotFound(id);
    if (!run.due) return { consecutiveFailures: run.consecutive_failures, disabledNow: false };
    // `AND enabled`: of two instances that count the last failure at once, one disables.
    const disabled = await client.query(
      `UPDATE ${SUBSCRIPTIONS_TABLE} SET enabled = false, disabled_reason = $3, disabled_at = now()
        WHERE tenant = $1 AND id = $2 AND enabled`,
      [this.tenant, id, reason(run.consecutive_failures)],
    );
    return { consecutiveFailures: run.consecutive_failures, disabledNow: disabled.rowCount === 1 };
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
