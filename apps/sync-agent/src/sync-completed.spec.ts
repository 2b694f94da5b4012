import { derivedEventId } from '@flowline/event-schemas';
import { readModelChange } from './read-model-change';
import { syncCompletedData, syncCompletedEvent } from './sync-completed';
import { postgresChange } from './test-fixtures/data-changes';

const target = { system: 'mongodb', instance: 'flowline_read_model.public.orders' };
const syncedAt = '2026-12-05T10:00:01.000Z';

describe('sync.completed of a change', () => {
  it('reports an applied upsert with the change op and source position, caused by the input', () => {
    const input = postgresChange('insert', { lsn: '0/200', key: { id: 4 } });
    const change = readModelChange(input, '{schema}.{table}');
    const event = syncCompletedEvent(input, change, { status: 'applied', syncedAt }, target);
    expect(event).toMatchObject({
      id: derivedEventId(input.id, 'sync.completed'),
      type: 'sync.completed',
      source: '/sync-agent',
      correlationid: input.correlationid,
      causationid: input.id,
      partitionkey: input.partitionkey,
      subject: 'public.orders',
      time: syncedAt,
      data: {
        target,
        operation: 'upsert',
        entity: { type: 'public.orders', key: '{"id":4}' },
        result: { status: 'applied' },
        sourceChange: { op: 'insert', position: 'pg/0000000000000200/0000000000000200' },
      },
    });
    // The same input and outcome give the same event: a redelivery's output is a duplicate by id and content.
    expect(syncCompletedEvent(input, change, { status: 'applied', syncedAt }, target)).toEqual(event);
  });

  it('reports a stale change as unchanged, with the reason and the newer position', () => {
    const change = readModelChange(postgresChange('update', { lsn: '0/100', key: { id: 4 } }), '{schema}.{table}');
    const current = 'pg/0000000000000200/0000000000000200';
    expect(
      syncCompletedData(change, { status: 'stale', syncedAt, current, reason: 'newer_change' }, target).result,
    ).toEqual({
      status: 'unchanged',
      reason: { code: 'stale', message: `the read model holds a newer change of this key (at ${current})` },
      currentPosition: current,
    });
  });

  it('reports a truncate as a delete of every entity of the read model', () => {
    const change = readModelChange(postgresChange('truncate', { lsn: '0/300' }), '{schema}.{table}');
    expect(syncCompletedData(change, { status: 'applied', syncedAt }, target)).toMatchObject({
      operation: 'delete',
      entity: { type: 'public.orders', key: '*' },
      sourceChange: { op: 'truncate' },
    });
  });
});
