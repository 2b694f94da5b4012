/**
 * The sync agent with the PostgreSQL target, in process against the real broker and
 * PostgreSQL (a scratch database of the file's own): the read-model table, its inbox and
 * sync.completed on events.domain are what the tests look at.
 */
import pg from 'pg';
import {
  derivedEventId,
  topicNames,
  type DataChanged,
  type FlowlineEvent,
  type SyncCompleted,
} from '@flowline/event-schemas';
import {
  createScratchDatabase,
  startServiceUnderTest,
  testInfra,
  type ScratchDatabase,
  type ServiceUnderTest,
} from '@flowline/testing';
import { syncAgent } from './service';
import { postgresChange, type PostgresChangeOptions } from './test-fixtures/data-changes';

let database: ScratchDatabase;
let pool: pg.Pool;
let running: ServiceUnderTest;
let input: string;

interface ReadModelRow {
  key: string;
  document: Record<string, unknown> | null;
  deleted: boolean;
  missing: string[] | null;
  position: string;
  event_id: string;
}

async function completedFor(change: FlowlineEvent): Promise<SyncCompleted> {
  const id = derivedEventId(change.id, 'sync.completed');
  const message = await running.probe!.waitFor((m) => m.event?.id === id);
  return (message.event as FlowlineEvent<'sync.completed'>).data;
}

async function rows(collection: string): Promise<ReadModelRow[]> {
  const result = await pool.query<ReadModelRow>(
    'SELECT key, document, deleted, missing, position, event_id FROM sync_read_model WHERE collection = $1 ORDER BY key',
    [collection],
  );
  return result.rows;
}

/** A table of the test's own, and its changes. */
function sourceTable(label: string) {
  const table = `${label}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    readModel: `public.${table}`,
    change: (op: DataChanged['op'], options: PostgresChangeOptions) => postgresChange(op, { table, ...options }),
  };
}

beforeAll(async () => {
  database = await createScratchDatabase(testInfra().DATABASE_URL, 'sync_agent');
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  running = await startServiceUnderTest(syncAgent, {
    env: { SYNC_TARGET: 'postgres', DATABASE_URL: database.url },
    outputs: (prefix) => [topicNames(prefix).domainEvents],
  });
  input = topicNames(running.prefix).agent('sync');
});

afterAll(async () => {
  await running?.stop();
  await pool?.end();
  await database?.drop();
});

describe('sync agent → PostgreSQL read model (in process, real broker and PostgreSQL)', () => {
  it('applies inserts, updates, deletes and a truncate to the jsonb read model, by position', async () => {
    const { readModel, change } = sourceTable('orders');
    const first = change('insert', { lsn: '0/100', key: { id: 1 }, after: { id: 1, status: 'open', total: '10.50' } });
    const second = change('insert', { lsn: '0/110', key: { id: 2 }, after: { id: 2, status: 'open' } });
    const update = change('update', { lsn: '0/120', key: { id: 1 }, after: { id: 1, status: 'paid', total: '10.50' } });
    const removal = change('delete', { lsn: '0/130', key: { id: 2 } });
    await running.publish(input, first, second, update, removal);

    expect(await completedFor(update)).toMatchObject({
      target: { system: 'postgres', instance: `sync_read_model/${readModel}` },
      operation: 'upsert',
      entity: { type: readModel, key: '{"id":1}' },
      result: { status: 'applied' },
    });
    await completedFor(removal);
    expect(await rows(readModel)).toEqual([
      {
        key: '{"id":1}',
        document: { id: 1, status: 'paid', total: '10.50' },
        deleted: false,
        missing: null,
        position: 'pg/0000000000000120/0000000000000120',
        event_id: update.id,
      },
      {
        key: '{"id":2}',
        document: null,
        deleted: true,
        missing: null,
        position: 'pg/0000000000000130/0000000000000130',
        event_id: removal.id,
      },
    ]);

    // A stale update and an old insert of the deleted row, delivered late: neither is applied.
    const stale = change('update', { lsn: '0/115', key: { id: 1 }, after: { id: 1, status: 'open' } });
    const resurrection = change('insert', { lsn: '0/105', key: { id: 2 }, after: { id: 2, status: 'open' } });
    await running.publish(input, stale, resurrection);
    expect((await completedFor(stale)).result).toMatchObject({
      status: 'unchanged',
      reason: { code: 'stale' },
      currentPosition: 'pg/0000000000000120/0000000000000120',
    });
    expect((await completedFor(resurrection)).result).toMatchObject({ status: 'unchanged' });
    expect((await rows(readModel)).map((row) => [row.document?.['status'], row.deleted])).toEqual([
      ['paid', false],
      [undefined, true],
    ]);

    const truncate = change('truncate', { lsn: '0/140' });
    await running.publish(input, truncate);
    expect((await completedFor(truncate)).result).toEqual({ status: 'applied' });
    expect(await rows(readModel)).toEqual([]);
  });

  it('leaves exactly the rows written after a truncate that races their changes on other partitions', async () => {
    const { readModel, change } = sourceTable('lines');
    const inserts = Array.from({ length: 20 }, (_, index) =>
      change('insert', {
        lsn: `0/${(0x100 + index * 0x10).toString(16).toUpperCase()}`,
        key: { id: index + 1 },
        after: { id: index + 1 },
      }),
    );
    const truncate = change('truncate', { lsn: '0/195' });
    await running.publish(input, ...inserts.slice(0, 5), truncate, ...inserts.slice(5));
    await Promise.all([...inserts, truncate].map((event) => completedFor(event)));
    const ids = (await rows(readModel)).map((row) => row.document?.['id']).sort((a, b) => Number(a) - Number(b));
    expect(ids).toEqual(Array.from({ length: 10 }, (_, index) => index + 11));
  });

  it('keeps the stored value of an unavailable TOAST column, also when the key changed', async () => {
    const { readModel, change } = sourceTable('notes');
    const body = 'y'.repeat(10_000);
    const insert = change('insert', { lsn: '0/300', key: { id: 4 }, after: { id: 4, status: 'draft', body } });
    const update = change('update', {
      lsn: '0/310',
      key: { id: 4 },
      after: { id: 4, status: 'sent' },
      unavailable: ['body'],
    });
    await running.publish(input, insert, update);
    await completedFor(update);
    expect((await rows(readModel))[0]).toMatchObject({ document: { id: 4, status: 'sent', body }, missing: null });

    // The key changed, the TOASTed column unchanged: the new key's row keeps it, the old key gets a tombstone.
    const moved = change('update', {
      lsn: '0/320',
      key: { id: 5 },
      previousKey: { id: 4 },
      after: { id: 5, status: 'sent' },
      unavailable: ['body'],
    });
    await running.publish(input, moved);
    await completedFor(moved);
    expect(await rows(readModel)).toMatchObject([
      { key: '{"id":4}', deleted: true, document: null },
      { key: '{"id":5}', deleted: false, document: { id: 5, status: 'sent', body }, missing: null },
    ]);
  });

  it('applies an event delivered again once (PostgreSQL inbox) and repeats the same sync.completed', async () => {
    const { readModel, change } = sourceTable('invoices');
    const insert = change('insert', { lsn: '0/200', key: { id: 9 }, after: { id: 9, status: 'open' } });
    await running.publish(input, insert);
    await completedFor(insert);
    const stored = await rows(readModel);
    const syncedFirst = (
      await pool.query<{ synced_at: Date }>('SELECT synced_at FROM sync_read_model WHERE event_id = $1', [insert.id])
    ).rows;
    expect(syncedFirst).toHaveLength(1);

    await running.publish(input, insert);
    const outputId = derivedEventId(insert.id, 'sync.completed');
    const firstRecord = running.probe!.messages.find((m) => m.event?.id === outputId);
    await running.probe!.waitFor((m) => m.event?.id === outputId && m !== firstRecord);
    const announced = running.probe!.messages.filter((m) => m.event?.id === outputId).map((m) => m.event);
    expect(announced).toHaveLength(2);
    expect(announced[1]).toEqual(announced[0]);
    expect(await rows(readModel)).toEqual(stored);
    const inbox = await pool.query('SELECT 1 FROM flowline_inbox WHERE event_id = $1', [insert.id]);
    expect(inbox.rowCount).toBe(1);
    // Written once: a second write would have moved synced_at.
    const synced = async () =>
      (await pool.query<{ synced_at: Date }>('SELECT synced_at FROM sync_read_model WHERE event_id = $1', [insert.id]))
        .rows;
    expect(await synced()).toEqual(syncedFirst);
  });
});
