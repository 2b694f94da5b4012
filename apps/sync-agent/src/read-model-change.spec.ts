import { readModelChange, readModelName } from './read-model-change';
import { SyncChangeUnsupported } from './sync-errors';
import { mongoChange, postgresChange } from './test-fixtures/data-changes';

describe('data.changed → read-model change', () => {
  it('names the read model by the template, a MongoDB database standing in for the schema', () => {
    const pgSource = { kind: 'postgres', database: 'shop', schema: 'sales', table: 'orders', lsn: '0/1' } as const;
    const mongoSource = {
      kind: 'mongodb',
      database: 'crm',
      collection: 'people',
      resumeToken: { _data: '82' },
    } as const;
    expect(readModelName('{schema}.{table}', pgSource)).toBe('sales.orders');
    expect(readModelName('rm_{database}_{schema}_{table}', pgSource)).toBe('rm_shop_sales_orders');
    expect(readModelName('{schema}.{table}', mongoSource)).toBe('crm.people');
  });

  it('maps an update with its key, position, fields and unavailable columns', () => {
    const event = postgresChange('update', {
      lsn: '0/200',
      changeLsn: '0/1F0',
      key: { id: 7 },
      after: { id: 7, status: 'paid' },
      unavailable: ['notes'],
    });
    expect(readModelChange(event, '{schema}.{table}')).toEqual({
      kind: 'row',
      readModel: 'public.orders',
      op: 'update',
      key: { id: 7 },
      keyText: '{"id":7}',
      position: 'pg/0000000000000200/00000000000001F0',
      fields: { id: 7, status: 'paid' },
      unavailable: ['notes'],
      commitTime: event.data.commitTime,
    });
  });

  it('keeps the old key of an update that changed the key, and no row for a delete', () => {
    const moved = postgresChange('update', { lsn: '0/300', key: { id: 8 }, previousKey: { id: 7 } });
    expect(readModelChange(moved, '{table}')).toMatchObject({ previousKey: { key: { id: 7 }, keyText: '{"id":7}' } });
    const deleted = readModelChange(postgresChange('delete', { lsn: '0/400', key: { id: 8 } }), '{table}');
    expect(deleted).toMatchObject({ kind: 'row', op: 'delete', fields: null });
  });

  it('maps a truncate to the whole read model, and a MongoDB change keyed by _id', () => {
    expect(readModelChange(postgresChange('truncate', { lsn: '0/500' }), '{schema}.{table}')).toEqual({
      kind: 'truncate',
      readModel: 'public.orders',
      op: 'truncate',
      position: 'pg/0000000000000500/0000000000000500',
      commitTime: '2026-12-05T10:00:00.000Z',
    });
    const insert = mongoChange('insert', { token: '6b14', id: 'a1', after: { _id: 'a1', total: 3 } });
    expect(readModelChange(insert, '{schema}.{table}')).toMatchObject({
      readModel: 'shop.orders',
      keyText: '{"_id":"a1"}',
      position: 'mongo/6B14',
    });
  });

  it('refuses a row change without a key or with a null key column, naming the table', () => {
    expect(() => readModelChange(postgresChange('insert', { lsn: '0/1', key: {} }), '{schema}.{table}')).toThrow(
      new SyncChangeUnsupported(
        'the insert of public.orders has no key: the source table has no primary key or replica identity, so its rows cannot be told apart',
      ),
    );
    expect(() => readModelChange(postgresChange('insert', { lsn: '0/1', key: { id: null } }), '{table}')).toThrow(
      /no value for key column id/,
    );
  });
});
