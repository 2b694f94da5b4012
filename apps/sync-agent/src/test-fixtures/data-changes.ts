/** data.changed events as the cdc-listener writes them, for the sync agent's tests. */
import { createEvent, stableEventId, type DataChanged, type FlowlineEvent } from '@flowline/event-schemas';

export interface PostgresChangeOptions {
  table?: string;
  schema?: string;
  /** Commit and change LSN, as PostgreSQL prints them. */
  lsn: string;
  changeLsn?: string;
  key?: Record<string, unknown>;
  after?: Record<string, unknown> | null;
  unavailable?: string[];
  previousKey?: Record<string, unknown>;
}

/** A change of a PostgreSQL row: id, subject and partition key as the cdc-listener derives them. */
export function postgresChange(op: DataChanged['op'], options: PostgresChangeOptions): FlowlineEvent<'data.changed'> {
  const schema = options.schema ?? 'public';
  const table = options.table ?? 'orders';
  const key = op === 'truncate' ? {} : (options.key ?? { id: 1 });
  const changeLsn = options.changeLsn ?? options.lsn;
  const name = `${schema}.${table}`;
  const keyText = JSON.stringify(key);
  return createEvent(
    'data.changed',
    {
      op,
      source: { kind: 'postgres', database: 'shop', schema, table, lsn: options.lsn, changeLsn, transactionId: 1 },
      key,
      ...(options.previousKey === undefined ? {} : { previousKey: options.previousKey }),
      before: null,
      after: op === 'delete' || op === 'truncate' ? null : (options.after ?? { ...key }),
      ...(options.unavailable === undefined ? {} : { unavailable: options.unavailable }),
      commitTime: '2026-12-05T10:00:00.000Z',
    },
    {
      source: '/cdc-listener/postgres/shop',
      id: stableEventId('cdc', changeLsn, name, op === 'truncate' ? 'truncate' : keyText),
      subject: name,
      partitionKey: op === 'truncate' ? name : `${name}:${keyText}`,
    },
  );
}

/** A change of a MongoDB document at the resume token `_data`. */
export function mongoChange(
  op: 'insert' | 'update' | 'delete',
  options: { database?: string; collection?: string; token: string; id: unknown; after?: Record<string, unknown> },
): FlowlineEvent<'data.changed'> {
  const database = options.database ?? 'shop';
  const collection = options.collection ?? 'orders';
  const key = { _id: options.id };
  const name = `${database}.${collection}`;
  return createEvent(
    'data.changed',
    {
      op,
      source: { kind: 'mongodb', database, collection, resumeToken: { _data: options.token } },
      key,
      before: null,
      after: op === 'delete' ? null : (options.after ?? { ...key }),
      commitTime: '2026-12-05T10:00:00.000Z',
    },
    {
      source: `/cdc-listener/mongodb/${database}`,
      id: stableEventId('cdc', options.token, name),
      subject: name,
      partitionKey: `${name}:${JSON.stringify(key)}`,
    },
  );
}
