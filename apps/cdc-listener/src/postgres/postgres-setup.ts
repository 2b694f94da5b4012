/**
 * Everything the listener checks and prepares in the source database before it streams:
 * server settings, privileges, the tables, its two small state tables, the publication, the
 * slot and the recorded position. Each problem an operator must fix becomes a CdcError whose
 * message names the fix (errors.ts); the README shows the same SQL for teams that set the
 * database up by hand.
 */
import type { ClientBase } from 'pg';
import {
  NoFreeReplicationSlot,
  PublicationIncomplete,
  ReplicationPrivilegeMissing,
  SetupPermissionDenied,
  SlotMismatch,
  TableNotFound,
  TableWithoutReplicaIdentity,
  WalLevelNotLogical,
} from '../errors';
import type { CatalogType } from './column-value';
import { formatLsn, parseLsn } from './lsn';
import type { PositionRecord, SlotState } from './slot-decision';

export type Queryable = Pick<ClientBase, 'query'>;

export interface TableName {
  schema: string;
  table: string;
}

export function parseTableName(qualified: string): TableName {
  const dot = qualified.indexOf('.');
  return dot === -1
    ? { schema: 'public', table: qualified }
    : { schema: qualified.slice(0, dot), table: qualified.slice(dot + 1) };
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteTable(name: TableName): string {
  return `${quoteIdentifier(name.schema)}.${quoteIdentifier(name.table)}`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function tableText(name: TableName): string {
  return `${name.schema}.${name.table}`;
}

function isPermissionDenied(error: unknown): boolean {
  return (error as { code?: unknown }).code === '42501';
}

/** wal_level and the REPLICATION privilege; the database's name. */
export async function checkServer(client: Queryable): Promise<{ database: string; role: string }> {
  const walLevel = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level ?? 'unknown';
  if (walLevel !== 'logical') throw new WalLevelNotLogical(walLevel);
  const { rows } = await client.query<{ role: string; database: string; allowed: boolean }>(
    `SELECT current_user AS role, current_database() AS database, (rolreplication OR rolsuper) AS allowed
       FROM pg_roles WHERE rolname = current_user`,
  );
  const row = rows[0];
  if (row === undefined) throw new Error('cannot read the current role from pg_roles');
  if (!row.allowed) throw new ReplicationPrivilegeMissing(row.role);
  return { database: row.database, role: row.role };
}

/**
 * The configured tables exist and can identify their rows. A table without a primary key
 * under the default replica identity would have its UPDATEs and DELETEs refused by
 * PostgreSQL once it is in the publication, so the listener refuses to start instead.
 */
export async function checkTables(client: Queryable, tables: readonly TableName[]): Promise<void> {
  const { rows } = await client.query<{ schema: string; table: string; identity: string; has_key: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS table, c.relreplident AS identity,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND (i.indisprimary OR i.indisreplident)) AS has_key
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [tables.map((name) => name.schema), tables.map((name) => name.table)],
  );
  const found = new Map(rows.map((row) => [`${row.schema}.${row.table}`, row]));
  const missing = tables.map(tableText).filter((name) => !found.has(name));
  if (missing.length > 0) throw new TableNotFound(missing);
  const unidentified = rows
    .filter((row) => row.identity === 'n' || (row.identity !== 'f' && !row.has_key))
    .map((row) => `${row.schema}.${row.table}`);
  if (unidentified.length > 0) throw new TableWithoutReplicaIdentity(unidentified);
}

/** The SQL that creates the listener's state tables (also in the README). */
export function stateTablesSql(heartbeat: TableName | undefined, position: TableName): string[] {
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${quoteTable(position)} (slot_name text PRIMARY KEY, confirmed_lsn pg_lsn, snapshot_pending boolean NOT NULL DEFAULT false, updated_at timestamptz NOT NULL DEFAULT now())`,
  ];
  if (heartbeat !== undefined) {
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${quoteTable(heartbeat)} (slot_name text PRIMARY KEY, beat_at timestamptz NOT NULL)`,
    );
  }
  return statements;
}

export async function ensureStateTables(
  client: Queryable,
  heartbeat: TableName | undefined,
  position: TableName,
): Promise<void> {
  const statements = stateTablesSql(heartbeat, position);
  try {
    for (const statement of statements) await client.query(statement);
  } catch (error) {
    if (!isPermissionDenied(error)) throw error;
    throw new SetupPermissionDenied(
      `the role may not create the listener's state tables; create them once as their owner:\n${statements.map((s) => `  ${s};`).join('\n')}`,
      { cause: error },
    );
  }
}

const OPERATIONS = ['insert', 'update', 'delete', 'truncate'] as const;

/**
 * The publication covers the tables (and the heartbeat table) for all four operations. When
 * managed, a missing publication is created and missing tables or operations are added;
 * otherwise what is missing is named, with the SQL that adds it.
 */
export async function ensurePublication(
  client: Queryable,
  publication: string,
  tables: readonly TableName[],
  manage: boolean,
): Promise<'created' | 'altered' | 'unchanged'> {
  const existing = (
    await client.query<{ alltables: boolean; ins: boolean; upd: boolean; del: boolean; trunc: boolean }>(
      `SELECT puballtables AS alltables, pubinsert AS ins, pubupdate AS upd, pubdelete AS del, pubtruncate AS trunc
         FROM pg_publication WHERE pubname = $1`,
      [publication],
    )
  ).rows[0];
  const tableList = tables.map(quoteTable).join(', ');
  const publish = `WITH (publish = '${OPERATIONS.join(', ')}')`;
  const createSql = `CREATE PUBLICATION ${quoteIdentifier(publication)} FOR TABLE ${tableList} ${publish}`;
  const run = async (statements: readonly string[]): Promise<void> => {
    try {
      for (const statement of statements) await client.query(statement);
    } catch (error) {
      if (!isPermissionDenied(error)) throw error;
      throw new SetupPermissionDenied(
        `the role may not change publication "${publication}" (it must own the tables); run as their owner:\n${statements.map((s) => `  ${s};`).join('\n')}`,
        { cause: error },
      );
    }
  };
  if (existing === undefined) {
    if (!manage)
      throw new PublicationIncomplete(`publication "${publication}" does not exist; create it: ${createSql};`);
    await run([createSql]);
    return 'created';
  }
  const statements: string[] = [];
  if (!(existing.ins && existing.upd && existing.del && existing.trunc)) {
    statements.push(`ALTER PUBLICATION ${quoteIdentifier(publication)} SET (publish = '${OPERATIONS.join(', ')}')`);
  }
  if (!existing.alltables) {
    const { rows } = await client.query<{ schemaname: string; tablename: string }>(
      'SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1',
      [publication],
    );
    const published = new Set(rows.map((row) => `${row.schemaname}.${row.tablename}`));
    const missing = tables.filter((name) => !published.has(tableText(name)));
    if (missing.length > 0) {
      statements.push(
        `ALTER PUBLICATION ${quoteIdentifier(publication)} ADD TABLE ${missing.map(quoteTable).join(', ')}`,
      );
    }
  }
  if (statements.length === 0) return 'unchanged';
  if (!manage) {
    throw new PublicationIncomplete(
      `publication "${publication}" lacks what the listener streams (CDC_MANAGE_PUBLICATION=false); run:\n${statements.map((s) => `  ${s};`).join('\n')}`,
    );
  }
  await run(statements);
  return 'altered';
}

/** The slot as pg_replication_slots shows it; undefined when there is none. */
export async function inspectSlot(
  client: Queryable,
  slot: string,
  database: string,
): Promise<(SlotState & { active: boolean }) | undefined> {
  const { rows } = await client.query<{
    plugin: string | null;
    slot_type: string;
    database: string | null;
    active: boolean;
    confirmed_flush_lsn: string | null;
    wal_status: string | null;
  }>(
    `SELECT plugin, slot_type, database, active, confirmed_flush_lsn::text, wal_status
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  if (row.slot_type !== 'logical' || row.plugin !== 'pgoutput' || row.database !== database) {
    throw new SlotMismatch(
      `replication slot "${slot}" exists but is a ${row.slot_type} slot${row.plugin === null ? '' : ` with plugin ${row.plugin}`} of database ${row.database ?? '(none)'}, not a pgoutput slot of ${database}: choose another CDC_SLOT`,
    );
  }
  return {
    confirmedFlushLsn: row.confirmed_flush_lsn === null ? 0n : parseLsn(row.confirmed_flush_lsn),
    walStatus: row.wal_status,
    active: row.active,
  };
}

/** Refuses early, with the numbers, when no slot could be created. */
export async function checkFreeSlot(client: Queryable): Promise<void> {
  const { rows } = await client.query<{ used: number; allowed: number }>(
    `SELECT (SELECT count(*) FROM pg_replication_slots)::int AS used, current_setting('max_replication_slots')::int AS allowed`,
  );
  const row = rows[0];
  if (row !== undefined && row.used >= row.allowed) {
    throw new NoFreeReplicationSlot(`max_replication_slots = ${row.allowed}, ${row.used} in use`);
  }
}

export async function readPosition(
  client: Queryable,
  table: TableName,
  slot: string,
): Promise<PositionRecord | undefined> {
  const { rows } = await client.query<{ confirmed_lsn: string | null; snapshot_pending: boolean }>(
    `SELECT confirmed_lsn::text, snapshot_pending FROM ${quoteTable(table)} WHERE slot_name = $1`,
    [slot],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    confirmedLsn: row.confirmed_lsn === null ? null : parseLsn(row.confirmed_lsn),
    snapshotPending: row.snapshot_pending,
  };
}

export async function recordPosition(
  client: Queryable,
  table: TableName,
  slot: string,
  record: PositionRecord,
): Promise<void> {
  await client.query(
    `INSERT INTO ${quoteTable(table)} (slot_name, confirmed_lsn, snapshot_pending, updated_at)
     VALUES ($1, $2::pg_lsn, $3, now())
     ON CONFLICT (slot_name) DO UPDATE
       SET confirmed_lsn = excluded.confirmed_lsn, snapshot_pending = excluded.snapshot_pending, updated_at = now()`,
    [slot, record.confirmedLsn === null ? null : formatLsn(record.confirmedLsn), record.snapshotPending],
  );
}

export async function dropSlot(client: Queryable, slot: string): Promise<void> {
  await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
}

/** The columns identifying a table's rows: its primary key's, in key order; empty without one. */
export async function primaryKeyColumns(client: Queryable, relationOid: number): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisprimary
      ORDER BY k.position`,
    [relationOid],
  );
  return rows.map((row) => row.name);
}

/** WAL the slot keeps: from its restart_lsn to the current end of WAL, in bytes. */
export async function retainedWalBytes(client: Queryable, slot: string): Promise<number | undefined> {
  const { rows } = await client.query<{ retained: string | null }>(
    'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const retained = rows[0]?.retained;
  return retained === undefined || retained === null ? undefined : Number(retained);
}

export async function writeHeartbeat(client: Queryable, table: TableName, slot: string): Promise<void> {
  await client.query(
    `INSERT INTO ${quoteTable(table)} (slot_name, beat_at) VALUES ($1, now())
     ON CONFLICT (slot_name) DO UPDATE SET beat_at = excluded.beat_at`,
    [slot],
  );
}

/** What pg_type says about type oids the built-in mapping does not know. */
export async function lookupTypes(client: Queryable, oids: readonly number[]): Promise<CatalogType[]> {
  const { rows } = await client.query<{ oid: number; category: string; element: number; base: number }>(
    `SELECT oid::int AS oid, typcategory AS category, typelem::int AS element, typbasetype::int AS base
       FROM pg_type WHERE oid = ANY($1::oid[])`,
    [oids],
  );
  return rows.map((row) => ({ oid: row.oid, category: row.category, elementOid: row.element, baseOid: row.base }));
}
