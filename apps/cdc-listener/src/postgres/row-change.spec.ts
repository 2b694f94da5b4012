import { ColumnTypes } from './column-value';
import type { RelationMessage } from './pgoutput-decoder';
import { rowChangeEvent, snapshotRowEvent, StreamedTable, truncateEvent } from './row-change';

const relation: RelationMessage = {
  tag: 'relation',
  relationOid: 16400,
  schema: 'public',
  table: 'orders',
  replicaIdentity: 'default',
  columns: [
    { name: 'id', typeOid: 20, typeModifier: -1, isIdentity: true },
    { name: 'status', typeOid: 25, typeModifier: -1, isIdentity: false },
    { name: 'notes', typeOid: 25, typeModifier: -1, isIdentity: false },
  ],
};
const table: StreamedTable = { relation, keyColumns: ['id'] };
const database = { name: 'shop', types: new ColumnTypes() };
const transaction = { commitLsn: 0x500n, xid: 771, commitTime: 767_949_660_123_456n };
const text = (value: string) => ({ kind: 'text' as const, text: value });

describe('row changes as data.changed events', () => {
  it('keeps the id of a change read again, and gives each row its own ordered partition key', () => {
    const insert = {
      tag: 'insert' as const,
      relationOid: 16400,
      newTuple: [text('42'), text('new'), { kind: 'null' as const }],
    };
    const first = rowChangeEvent(insert, table, database, transaction, { changeLsn: 0x4f0n, ordinal: 0 });
    const again = rowChangeEvent(insert, table, database, transaction, { changeLsn: 0x4f0n, ordinal: 0 });
    expect(again.id).toBe(first.id);
    expect(first).toMatchObject({
      subject: 'public.orders',
      partitionkey: 'public.orders:{"id":"42"}',
      source: '/cdc-listener/postgres/shop',
      time: '2024-05-02T07:21:00.123Z',
    });
    expect(first.data).toEqual({
      op: 'insert',
      source: {
        kind: 'postgres',
        database: 'shop',
        schema: 'public',
        table: 'orders',
        lsn: '0/500',
        changeLsn: '0/4F0',
        transactionId: 771,
      },
      key: { id: '42' },
      before: null,
      after: { id: '42', status: 'new', notes: null },
      commitTime: '2024-05-02T07:21:00.123456Z',
    });
    // Two changes from one WAL record (a multi-row insert) are told apart.
    const sibling = rowChangeEvent(insert, table, database, transaction, { changeLsn: 0x4f0n, ordinal: 1 });
    expect(sibling.id).not.toBe(first.id);
  });

  it('leaves an unchanged TOASTed column out of "after" and names it unavailable', () => {
    const update = {
      tag: 'update' as const,
      relationOid: 16400,
      oldKind: undefined,
      oldTuple: undefined,
      newTuple: [text('42'), text('paid'), { kind: 'unchanged-toast' as const }],
    };
    const event = rowChangeEvent(update, table, database, transaction, { changeLsn: 0x4f0n, ordinal: 0 });
    expect(event.data).toMatchObject({ op: 'update', after: { id: '42', status: 'paid' }, unavailable: ['notes'] });
    expect(event.data.after).not.toHaveProperty('notes');
  });

  it('gives a delete its key from the old key tuple, and the old row only with REPLICA IDENTITY FULL', () => {
    const keyOnly = {
      tag: 'delete' as const,
      relationOid: 16400,
      oldKind: 'key' as const,
      oldTuple: [text('42'), { kind: 'null' as const }, { kind: 'null' as const }],
    };
    expect(rowChangeEvent(keyOnly, table, database, transaction, { changeLsn: 1n, ordinal: 0 }).data).toMatchObject({
      op: 'delete',
      key: { id: '42' },
      before: null,
      after: null,
    });
    const full = { ...keyOnly, oldKind: 'old' as const, oldTuple: [text('42'), text('paid'), text('n')] };
    expect(rowChangeEvent(full, table, database, transaction, { changeLsn: 1n, ordinal: 0 }).data.before).toEqual({
      id: '42',
      status: 'paid',
      notes: 'n',
    });
  });

  it('makes a truncate one event for the table, keyed by the table alone', () => {
    const event = truncateEvent(table, database, transaction, 0x4f0n);
    expect(event).toMatchObject({ partitionkey: 'public.orders', subject: 'public.orders' });
    expect(event.data).toMatchObject({ op: 'truncate', key: {}, before: null, after: null });
    expect(truncateEvent(table, database, transaction, 0x4f0n).id).toBe(event.id);
  });

  it('positions a snapshot row at the slot’s start point, with an id stable for that slot', () => {
    const at = new Date('2024-05-02T08:00:00.000Z');
    const event = snapshotRowEvent(table, database, { id: '42', status: 'new', notes: null }, 0x300n, at);
    expect(event.data).toMatchObject({
      op: 'snapshot',
      key: { id: '42' },
      source: { lsn: '0/300' },
      commitTime: at.toISOString(),
    });
    expect(event.data.source).not.toHaveProperty('changeLsn');
    expect(snapshotRowEvent(table, database, { id: '42', status: 'x', notes: null }, 0x300n, at).id).toBe(event.id);
  });
});
