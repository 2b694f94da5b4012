/**
 * pgoutput changes → data.changed events. Pure.
 *
 * - id = stableEventId('cdc', change LSN, schema.table, key): a change read again after a
 *   restart (the slot resends everything after the last confirmed position) keeps its id, so
 *   consumers drop the duplicate. Changes that share one WAL record (a multi-row insert into a
 *   table without a primary key can repeat a whole row) are told apart by their order within
 *   that record, which a re-read repeats.
 * - partitionkey = `schema.table:<key as JSON>`: the changes of one row stay in order on one
 *   partition. A truncate concerns the whole table; its partition key is `schema.table`.
 * - subject = `schema.table`; time = the commit time.
 */
import { createEvent, FlowlineEvent, stableEventId } from '@flowline/event-schemas';
import { ColumnTypes, JsonValue } from './column-value';
import { formatLsn } from './lsn';
import type { DeleteMessage, InsertMessage, RelationMessage, TupleValue, UpdateMessage } from './pgoutput-decoder';
import { postgresTimestampToIso } from './replication-protocol';

export type DataChangedEvent = FlowlineEvent<'data.changed'>;
type Row = Record<string, JsonValue>;

/** A table as the stream knows it: pgoutput's relation and the columns that identify a row. */
export interface StreamedTable {
  relation: RelationMessage;
  /** The primary key's columns, else the replica identity's (an index, or every column with FULL). */
  keyColumns: readonly string[];
}

export interface SourceDatabase {
  /** current_database() of the source. */
  name: string;
  types: ColumnTypes;
}

/** The transaction a change belongs to, from its Begin message. */
export interface TransactionContext {
  commitLsn: bigint;
  xid: number;
  /** Microseconds since 2000-01-01 UTC. */
  commitTime: bigint;
}

/** Where a change sits: its WAL record and its order among the changes decoded from that record. */
export interface ChangePosition {
  changeLsn: bigint;
  ordinal: number;
}

interface DecodedRow {
  values: Row;
  /** Columns PostgreSQL did not send: unchanged TOASTed values. */
  unchanged: string[];
}

function decodeTuple(tuple: readonly TupleValue[], table: StreamedTable, types: ColumnTypes): DecodedRow {
  const values: Row = {};
  const unchanged: string[] = [];
  const columns = table.relation.columns;
  tuple.forEach((value, index) => {
    const column = columns[index];
    if (column === undefined)
      throw new Error(`pgoutput: a tuple of ${qualifiedName(table)} has more columns than its relation`);
    if (value.kind === 'null') values[column.name] = null;
    else if (value.kind === 'text') values[column.name] = types.decode(column.typeOid, value.text);
    else unchanged.push(column.name);
  });
  return { values, unchanged };
}

function keyOf(table: StreamedTable, ...rows: readonly (Row | undefined)[]): Row {
  const key: Row = {};
  for (const column of table.keyColumns) {
    const source = rows.find((row) => row !== undefined && Object.hasOwn(row, column));
    key[column] = source?.[column] ?? null;
  }
  return key;
}

export function qualifiedName(table: StreamedTable): string {
  return `${table.relation.schema}.${table.relation.table}`;
}

function envelope(
  data: Parameters<typeof createEvent<'data.changed'>>[1],
  table: StreamedTable,
  database: SourceDatabase,
  idParts: readonly string[],
  partitionKey: string,
): DataChangedEvent {
  return createEvent('data.changed', data, {
    source: `/cdc-listener/postgres/${database.name}`,
    id: stableEventId(...idParts),
    subject: qualifiedName(table),
    partitionKey,
    time: new Date(data.commitTime),
  });
}

function changeIdentity(
  table: StreamedTable,
  position: ChangePosition,
  key: Row,
): { id: string[]; partitionKey: string } {
  const keyText = JSON.stringify(key);
  const id = ['cdc', formatLsn(position.changeLsn), qualifiedName(table), keyText];
  if (position.ordinal > 0) id.push(`#${position.ordinal}`);
  return { id, partitionKey: `${qualifiedName(table)}:${keyText}` };
}

function postgresSource(
  table: StreamedTable,
  database: SourceDatabase,
  transaction: TransactionContext,
  position?: ChangePosition,
) {
  return {
    kind: 'postgres' as const,
    database: database.name,
    schema: table.relation.schema,
    table: table.relation.table,
    lsn: formatLsn(transaction.commitLsn),
    ...(position === undefined ? {} : { changeLsn: formatLsn(position.changeLsn) }),
    transactionId: transaction.xid,
  };
}

/** One insert, update or delete → its data.changed event. */
export function rowChangeEvent(
  message: InsertMessage | UpdateMessage | DeleteMessage,
  table: StreamedTable,
  database: SourceDatabase,
  transaction: TransactionContext,
  position: ChangePosition,
): DataChangedEvent {
  const commitTime = postgresTimestampToIso(transaction.commitTime);
  const source = postgresSource(table, database, transaction, position);
  if (message.tag === 'insert') {
    const after = decodeTuple(message.newTuple, table, database.types).values;
    const key = keyOf(table, after);
    const identity = changeIdentity(table, position, key);
    return envelope(
      { op: 'insert', source, key, before: null, after, commitTime },
      table,
      database,
      identity.id,
      identity.partitionKey,
    );
  }
  if (message.tag === 'delete') {
    const old = decodeTuple(message.oldTuple, table, database.types).values;
    const key = keyOf(table, old);
    const before = message.oldKind === 'old' ? old : null;
    const identity = changeIdentity(table, position, key);
    return envelope(
      { op: 'delete', source, key, before, after: null, commitTime },
      table,
      database,
      identity.id,
      identity.partitionKey,
    );
  }
  const next = decodeTuple(message.newTuple, table, database.types);
  const old = message.oldTuple === undefined ? undefined : decodeTuple(message.oldTuple, table, database.types).values;
  const before = message.oldKind === 'old' && old !== undefined ? old : null;
  const after = next.values;
  // With REPLICA IDENTITY FULL the old row holds the unchanged TOASTed value itself (PostgreSQL
  // logs the old row detoasted), so "after" can be completed; otherwise it is unavailable.
  const unavailable: string[] = [];
  for (const column of next.unchanged) {
    if (before !== null && Object.hasOwn(before, column)) after[column] = before[column] ?? null;
    else unavailable.push(column);
  }
  const key = keyOf(table, after, old);
  const oldKey = old === undefined ? undefined : keyOf(table, old);
  const previousKey = oldKey !== undefined && JSON.stringify(oldKey) !== JSON.stringify(key) ? oldKey : undefined;
  const identity = changeIdentity(table, position, key);
  return envelope(
    {
      op: 'update',
      source,
      key,
      ...(previousKey === undefined ? {} : { previousKey }),
      before,
      after,
      ...(unavailable.length === 0 ? {} : { unavailable }),
      commitTime,
    },
    table,
    database,
    identity.id,
    identity.partitionKey,
  );
}

/** A truncate of one table (pgoutput sends one message for all the tables of one TRUNCATE). */
export function truncateEvent(
  table: StreamedTable,
  database: SourceDatabase,
  transaction: TransactionContext,
  changeLsn: bigint,
): DataChangedEvent {
  const name = qualifiedName(table);
  return envelope(
    {
      op: 'truncate',
      source: postgresSource(table, database, transaction, { changeLsn, ordinal: 0 }),
      key: {},
      before: null,
      after: null,
      commitTime: postgresTimestampToIso(transaction.commitTime),
    },
    table,
    database,
    ['cdc', formatLsn(changeLsn), name, 'truncate'],
    name,
  );
}

/**
 * A row read by the initial snapshot. Its position is the slot's start point (the snapshot
 * shows the table exactly as of it); its id is derived from that point, table and key, so a
 * snapshot re-read from the same slot keeps its ids.
 */
export function snapshotRowEvent(
  table: StreamedTable,
  database: SourceDatabase,
  values: Row,
  startPoint: bigint,
  snapshotTime: Date,
): DataChangedEvent {
  const key = keyOf(table, values);
  const keyText = JSON.stringify(key);
  const name = qualifiedName(table);
  return envelope(
    {
      op: 'snapshot',
      source: {
        kind: 'postgres',
        database: database.name,
        schema: table.relation.schema,
        table: table.relation.table,
        lsn: formatLsn(startPoint),
      },
      key,
      before: null,
      after: values,
      commitTime: snapshotTime.toISOString(),
    },
    table,
    database,
    ['cdc-snapshot', formatLsn(startPoint), name, keyText],
    `${name}:${keyText}`,
  );
}
