/**
 * `data.changed` → the change as the read models apply it: which read model, which key,
 * which position, which fields. Pure; a change that cannot be applied throws
 * SyncChangeUnsupported (dead-lettered with its reason).
 */
import type { DataChanged, FlowlineEvent } from '@flowline/event-schemas';
import { sourcePosition, type SourcePosition } from './source-position';
import { SyncChangeUnsupported } from './sync-errors';

export type Row = Record<string, unknown>;

export const READ_MODEL_NAME_PLACEHOLDERS = ['database', 'schema', 'table'] as const;

export interface RowChange {
  readonly kind: 'row';
  /** The read model (MongoDB collection, PostgreSQL `collection` value) of the source table. */
  readonly readModel: string;
  readonly op: 'insert' | 'update' | 'delete' | 'snapshot';
  /** The source's key columns (`{ _id }` for MongoDB), in the source's order. */
  readonly key: Row;
  /** The key as canonical text: JSON of the key columns in the source's order. */
  readonly keyText: string;
  /** An update that changed the key: the old key, whose row is gone from then on. */
  readonly previousKey?: { readonly key: Row; readonly keyText: string };
  readonly position: SourcePosition;
  /** The new row; null for a delete. Columns named in `unavailable` are not in it. */
  readonly fields: Row | null;
  /** Columns (or `*`, a whole MongoDB document) the source did not send: keep what is stored. */
  readonly unavailable: readonly string[];
  readonly commitTime: string;
}

export interface TruncateChange {
  readonly kind: 'truncate';
  readonly readModel: string;
  readonly op: 'truncate';
  readonly position: SourcePosition;
  readonly commitTime: string;
}

export type ReadModelChange = RowChange | TruncateChange;

/** `{schema}.{table}` for `public.orders` → `public.orders`; a MongoDB source's schema is its database. */
export function readModelName(template: string, source: DataChanged['source']): string {
  const names: Record<(typeof READ_MODEL_NAME_PLACEHOLDERS)[number], string> =
    source.kind === 'postgres'
      ? { database: source.database, schema: source.schema, table: source.table }
      : { database: source.database, schema: source.database, table: source.collection };
  return template.replace(/\{(database|schema|table)\}/g, (_, name: keyof typeof names) => names[name]);
}

function checkedKey(key: Row, what: string): { key: Row; keyText: string } {
  const columns = Object.keys(key);
  if (columns.length === 0) {
    throw new SyncChangeUnsupported(
      `${what} has no key: the source table has no primary key or replica identity, so its rows cannot be told apart`,
    );
  }
  const empty = columns.filter((column) => key[column] === null || key[column] === undefined);
  if (empty.length > 0) throw new SyncChangeUnsupported(`${what} has no value for key column ${empty.join(', ')}`);
  return { key, keyText: JSON.stringify(key) };
}

export function readModelChange(event: FlowlineEvent<'data.changed'>, nameTemplate: string): ReadModelChange {
  const change = event.data;
  const readModel = readModelName(nameTemplate, change.source);
  const position = sourcePosition(change.source);
  if (change.op === 'truncate') {
    return { kind: 'truncate', readModel, op: 'truncate', position, commitTime: change.commitTime };
  }
  const { key, keyText } = checkedKey(change.key, `the ${change.op} of ${readModel}`);
  const previous =
    change.previousKey === undefined ? undefined : checkedKey(change.previousKey, `the old key of ${readModel}`);
  return {
    kind: 'row',
    readModel,
    op: change.op,
    key,
    keyText,
    ...(previous === undefined || previous.keyText === keyText ? {} : { previousKey: previous }),
    position,
    fields: change.op === 'delete' ? null : change.after,
    unavailable: change.unavailable ?? [],
    commitTime: change.commitTime,
  };
}
