/**
 * The PostgreSQL read model: one table (SYNC_POSTGRES_TABLE, `sync_read_model`) keyed by
 * read model and source key, each row's columns as one jsonb document, with its source
 * position, the event id and a tombstone flag; `<table>_truncations` holds each read
 * model's truncation position, `<table>_outcomes` what each event's handling answered.
 *
 * Pattern 2 of docs/architecture.md: every change runs in `PostgresInbox.runOnce` (the
 * event id in `flowline_inbox`), and its write, its outcome and the id commit in one
 * transaction. A redelivered id writes nothing and answers from `<table>_outcomes`.
 *
 * Order against truncates: a row change holds a shared advisory lock on its read model for
 * its transaction, a truncate an exclusive one, so a truncate never interleaves with a row
 * change of its table (they travel on different partitions and race).
 */
import type pg from 'pg';
import { PostgresInbox, type ReadinessProbe } from '@flowline/messaging';
import { decideRowWrite, type StoredRow, type WrittenRow } from './decide-row-write';
import type { ReadModelChange, RowChange, TruncateChange } from './read-model-change';
import type { AppliedChange, ApplyOutcome, ReadModelTarget } from './read-model-target';
import { comparePositions, type SourcePosition } from './source-position';
import { ReadModelConflict } from './sync-errors';

export interface PostgresReadModelOptions {
  pool: pg.Pool;
  /** A plain lower-case identifier (checked by the config). */
  table: string;
  /** Whose handled ids the inbox records: the consumer group. */
  consumer: string;
}

export class PostgresReadModel implements ReadModelTarget {
  readonly system = 'postgres';
  private readonly inbox: PostgresInbox;
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly consumer: string;

  constructor(options: PostgresReadModelOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.table)) {
      throw new Error(`read-model table "${options.table}" must be a plain lower-case identifier`);
    }
    this.pool = options.pool;
    this.table = options.table;
    this.consumer = options.consumer;
    this.inbox = new PostgresInbox(options.pool, options.consumer);
  }

  instance(readModel: string): string {
    return `${this.table}/${readModel}`;
  }

  async start(): Promise<void> {
    await this.inbox.ensureSchema();
    // `position` compares as bytes (COLLATE "C"): a locale's collation would ignore the `/`s.
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS ${this.table} (
        collection text NOT NULL,
        key text NOT NULL,
        document jsonb,
        deleted boolean NOT NULL,
        missing text[],
        position text COLLATE "C" NOT NULL,
        event_id text NOT NULL,
        op text NOT NULL,
        commit_time timestamptz NOT NULL,
        synced_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (collection, key)
      );
      CREATE TABLE IF NOT EXISTS ${this.table}_truncations (
        collection text PRIMARY KEY,
        position text COLLATE "C" NOT NULL,
        event_id text NOT NULL,
        truncated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS ${this.table}_outcomes (
        consumer text NOT NULL,
        event_id text NOT NULL,
        outcome jsonb NOT NULL,
        PRIMARY KEY (consumer, event_id)
      )`);
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  readiness(): ReadinessProbe {
    return {
      name: 'postgres',
      check: async () => {
        await this.pool.query('SELECT 1');
      },
    };
  }

  async apply(eventId: string, change: ReadModelChange): Promise<AppliedChange> {
    let outcome: ApplyOutcome | undefined;
    const result = await this.inbox.runOnce(eventId, async (client) => {
      outcome =
        change.kind === 'truncate'
          ? await this.truncate(client, eventId, change)
          : await this.applyRow(client, eventId, change);
      await client.query(`INSERT INTO ${this.table}_outcomes (consumer, event_id, outcome) VALUES ($1, $2, $3)`, [
        this.consumer,
        eventId,
        JSON.stringify(outcome),
      ]);
    });
    if (result === 'applied' && outcome !== undefined) return { outcome, repeated: false };
    const recorded = await this.pool.query<{ outcome: ApplyOutcome }>(
      `SELECT outcome FROM ${this.table}_outcomes WHERE consumer = $1 AND event_id = $2`,
      [this.consumer, eventId],
    );
    const first = recorded.rows[0];
    if (first === undefined) throw new ReadModelConflict(`event ${eventId} is in the inbox without its outcome`);
    return { outcome: first.outcome, repeated: true };
  }

  private async lockReadModel(client: pg.PoolClient, readModel: string, mode: 'shared' | 'exclusive') {
    const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
    await client.query(`SELECT ${lock}(hashtext($1), hashtext($2))`, [this.table, readModel]);
  }

  private async truncatedAt(client: pg.PoolClient, readModel: string): Promise<SourcePosition | undefined> {
    const marks = await client.query<{ position: string }>(
      `SELECT position FROM ${this.table}_truncations WHERE collection = $1`,
      [readModel],
    );
    return marks.rows[0]?.position;
  }

  private async truncate(client: pg.PoolClient, eventId: string, change: TruncateChange): Promise<ApplyOutcome> {
    const syncedAt = new Date().toISOString();
    await this.lockReadModel(client, change.readModel, 'exclusive');
    const current = await this.truncatedAt(client, change.readModel);
    if (current !== undefined && comparePositions(current, change.position) > 0) {
      return { status: 'stale', syncedAt, current, reason: 'truncated' };
    }
    await client.query(
      `INSERT INTO ${this.table}_truncations AS mark (collection, position, event_id) VALUES ($1, $2, $3)
       ON CONFLICT (collection) DO UPDATE SET position = EXCLUDED.position, event_id = EXCLUDED.event_id, truncated_at = now()
       WHERE mark.position < EXCLUDED.position`,
      [change.readModel, change.position, eventId],
    );
    await client.query(`DELETE FROM ${this.table} WHERE collection = $1 AND position < $2`, [
      change.readModel,
      change.position,
    ]);
    return { status: 'applied', syncedAt };
  }

  private async applyRow(client: pg.PoolClient, eventId: string, change: RowChange): Promise<ApplyOutcome> {
    const syncedAt = new Date().toISOString();
    await this.lockReadModel(client, change.readModel, 'shared');
    const truncatedAt = await this.truncatedAt(client, change.readModel);
    let movedFrom: StoredRow | undefined;
    if (change.previousKey !== undefined) {
      const moved: RowChange = { ...change, ...change.previousKey, op: 'delete', fields: null, unavailable: [] };
      movedFrom = (await this.writeRow(client, eventId, moved, truncatedAt)).stored;
    }
    const { decision } = await this.writeRow(client, eventId, change, truncatedAt, movedFrom);
    return decision.kind === 'stale'
      ? { status: 'stale', syncedAt, current: decision.current, reason: decision.reason }
      : { status: 'applied', syncedAt };
  }

  private async writeRow(
    client: pg.PoolClient,
    eventId: string,
    change: RowChange,
    truncatedAt: SourcePosition | undefined,
    movedFrom?: StoredRow,
  ): Promise<WrittenRow> {
    const found = await client.query<{
      document: Record<string, unknown> | null;
      deleted: boolean;
      missing: string[] | null;
      position: string;
    }>(`SELECT document, deleted, missing, position FROM ${this.table} WHERE collection = $1 AND key = $2 FOR UPDATE`, [
      change.readModel,
      change.keyText,
    ]);
    const row = found.rows[0];
    const stored: StoredRow | undefined =
      row === undefined
        ? undefined
        : { position: row.position, deleted: row.deleted, document: row.document, missing: row.missing ?? [] };
    const decision = decideRowWrite(stored, change, truncatedAt, movedFrom);
    if (decision.kind !== 'write') return { decision, stored };
    const written = decision.row;
    // The position guard again: a row inserted since the read above (by a concurrent handling of the same key).
    const result = await client.query(
      `INSERT INTO ${this.table} AS stored (collection, key, document, deleted, missing, position, event_id, op, commit_time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (collection, key) DO UPDATE SET
         document = EXCLUDED.document, deleted = EXCLUDED.deleted, missing = EXCLUDED.missing,
         position = EXCLUDED.position, event_id = EXCLUDED.event_id, op = EXCLUDED.op,
         commit_time = EXCLUDED.commit_time, synced_at = now()
       WHERE stored.position < EXCLUDED.position`,
      [
        change.readModel,
        change.keyText,
        written.document === null ? null : JSON.stringify(written.document),
        written.deleted,
        written.missing.length === 0 ? null : written.missing,
        written.position,
        eventId,
        change.op,
        change.commitTime,
      ],
    );
    if (result.rowCount === 0) {
      throw new ReadModelConflict(`${change.readModel} ${change.keyText} was stored while the change was applied`);
    }
    return { decision, stored };
  }
}
