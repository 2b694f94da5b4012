/**
 * The sync agent in process against the real broker and the MongoDB stand-in: data.changed
 * events as the cdc-listener writes them go in on agent.sync; the read model (a database of
 * the test's own) and sync.completed on events.domain are what the tests look at.
 */
import { MongoClient, type Db, type Document } from 'mongodb';
import {
  createEvent,
  derivedEventId,
  DLQ_HEADERS,
  topicNames,
  type DataChanged,
  type FlowlineEvent,
  type SyncCompleted,
} from '@flowline/event-schemas';
import { startServiceUnderTest, testInfra, uniqueName, waitFor, type ServiceUnderTest } from '@flowline/testing';
import { syncAgent } from './service';
import { mongoChange, postgresChange, type PostgresChangeOptions } from './test-fixtures/data-changes';

let mongo: MongoClient;
let running: ServiceUnderTest;
let db: Db;
let input: string;

async function completedFor(input: FlowlineEvent): Promise<SyncCompleted> {
  const id = derivedEventId(input.id, 'sync.completed');
  const message = await running.probe!.waitFor((m) => m.event?.id === id);
  return (message.event as FlowlineEvent<'sync.completed'>).data;
}

const rows = (collection: string): Promise<Document[]> => db.collection(collection).find({}).sort({ _id: 1 }).toArray();

/** flowline_sync_changes_total of the MongoDB target for one result. */
async function changesCounted(result: string): Promise<number> {
  const text = await (await fetch(running.url('/metrics'))).text();
  const line = new RegExp(`^flowline_sync_changes_total\\{target="mongodb",result="${result}"[^}]*\\} (\\d+)$`, 'm');
  return Number(line.exec(text)?.[1] ?? 0);
}

/** A table name of the test's own: each test's changes land in their own read model. */
const table = (label: string) => `${label}_${Math.random().toString(36).slice(2, 8)}`;

// One agent for the file (starting one costs seconds); each test has its own tables.
beforeAll(async () => {
  mongo = new MongoClient(testInfra().MONGODB_URL);
  await mongo.connect();
  const database = uniqueName('sync_rm').replace(/-/g, '_');
  running = await startServiceUnderTest(syncAgent, {
    env: { SYNC_MONGODB_DATABASE: database },
    outputs: (prefix) => {
      const topics = topicNames(prefix);
      return [topics.domainEvents, topics.deadLetter(topics.agent('sync'))];
    },
  });
  db = mongo.db(database);
  input = topicNames(running.prefix).agent('sync');
});

afterAll(async () => {
  await running?.stop();
  await db?.dropDatabase();
  await mongo?.close();
});

describe('sync agent → MongoDB read model (in process, real broker and MongoDB)', () => {
  it('applies inserts, updates, deletes and a truncate, and announces each as sync.completed caused by it', async () => {
    const orders = table('orders');
    const readModel = `public.${orders}`;
    const change = (op: DataChanged['op'], options: PostgresChangeOptions) =>
      postgresChange(op, { table: orders, ...options });
    const first = change('insert', { lsn: '0/100', key: { id: 1 }, after: { id: 1, status: 'open', total: '10.50' } });
    const second = change('insert', { lsn: '0/110', key: { id: 2 }, after: { id: 2, status: 'open' } });
    const update = change('update', { lsn: '0/120', key: { id: 1 }, after: { id: 1, status: 'paid', total: '10.50' } });
    const removal = change('delete', { lsn: '0/130', key: { id: 2 } });
    await running.publish(input, first, second, update, removal);

    expect(await completedFor(update)).toMatchObject({
      target: { system: 'mongodb', instance: `${db.databaseName}.${readModel}` },
      operation: 'upsert',
      entity: { type: readModel, key: '{"id":1}' },
      result: { status: 'applied' },
      sourceChange: { op: 'update', position: 'pg/0000000000000120/0000000000000120' },
    });
    const message = running.probe!.messages.find((m) => m.event?.id === derivedEventId(update.id, 'sync.completed'));
    expect(message?.event).toMatchObject({ correlationid: update.correlationid, causationid: update.id });
    expect((await completedFor(removal)).operation).toBe('delete');
    expect(await rows(readModel)).toEqual([
      {
        _id: 1,
        id: 1,
        status: 'paid',
        total: '10.50',
        _flowline: {
          position: 'pg/0000000000000120/0000000000000120',
          eventId: update.id,
          op: 'update',
          commitTime: update.data.commitTime,
          deleted: false,
        },
      },
      // The delete's tombstone: no columns, its position kept.
      {
        _id: 2,
        _flowline: expect.objectContaining({ position: 'pg/0000000000000130/0000000000000130', deleted: true }),
      },
    ]);

    const truncate = change('truncate', { lsn: '0/140' });
    await running.publish(input, truncate);
    expect(await completedFor(truncate)).toMatchObject({
      operation: 'delete',
      entity: { key: '*' },
      result: { status: 'applied' },
    });
    expect(await rows(readModel)).toEqual([]);
    // A change from before the truncate, delivered late, stays out; a later one goes in.
    const late = change('update', { lsn: '0/125', key: { id: 1 }, after: { id: 1, status: 'late' } });
    const later = change('insert', { lsn: '0/150', key: { id: 3 }, after: { id: 3, status: 'new' } });
    await running.publish(input, late, later);
    expect((await completedFor(late)).result).toMatchObject({
      status: 'unchanged',
      reason: { code: 'stale' },
      currentPosition: 'pg/0000000000000140/0000000000000140',
    });
    await completedFor(later);
    expect((await rows(readModel)).map((row): unknown => row['_id'])).toEqual([3]);
  });

  it('leaves exactly the rows written after a truncate that races their changes on other partitions', async () => {
    const lines = table('lines');
    const inserts = Array.from({ length: 20 }, (_, index) =>
      postgresChange('insert', {
        table: lines,
        lsn: `0/${(0x100 + index * 0x10).toString(16).toUpperCase()}`,
        key: { id: index + 1 },
        after: { id: index + 1 },
      }),
    );
    // Between the 10th and the 11th insert in the source's log, delivered in the middle of them.
    const truncate = postgresChange('truncate', { table: lines, lsn: '0/195' });
    await running.publish(input, ...inserts.slice(0, 5), truncate, ...inserts.slice(5));
    await Promise.all([...inserts, truncate].map((change) => completedFor(change)));
    expect((await rows(`public.${lines}`)).map((row): unknown => row['_id'])).toEqual(
      Array.from({ length: 10 }, (_, index) => index + 11),
    );
  });

  it('never lets a stale change overwrite a newer one, nor an old insert bring back a deleted row', async () => {
    const collection = table('customers');
    const readModel = `shop.${collection}`;
    const change = (op: 'insert' | 'update' | 'delete', token: string, id: string, after?: Record<string, unknown>) =>
      mongoChange(op, { collection, token, id, ...(after === undefined ? {} : { after }) });
    const staleBefore = await changesCounted('stale');
    const newer = change('update', '82000000020000', 'c-7', { _id: 'c-7', status: 'gold' });
    const older = change('update', '82000000010000', 'c-7', { _id: 'c-7', status: 'silver' });
    await running.publish(input, newer);
    await completedFor(newer);
    await running.publish(input, older);
    expect((await completedFor(older)).result).toEqual({
      status: 'unchanged',
      reason: { code: 'stale', message: 'the read model holds a newer change of this key (at mongo/82000000020000)' },
      currentPosition: 'mongo/82000000020000',
    });
    expect(await rows(readModel)).toMatchObject([{ _id: 'c-7', status: 'gold' }]);

    const deletion = change('delete', '82000000030000', 'c-8');
    const resurrection = change('insert', '82000000025000', 'c-8', { _id: 'c-8', status: 'new' });
    await running.publish(input, deletion);
    await completedFor(deletion);
    await running.publish(input, resurrection);
    expect((await completedFor(resurrection)).result).toMatchObject({ status: 'unchanged', reason: { code: 'stale' } });
    expect((await rows(readModel))[1]).toEqual({
      _id: 'c-8',
      _flowline: expect.objectContaining({ deleted: true, position: 'mongo/82000000030000' }),
    });
    expect((await changesCounted('stale')) - staleBefore).toBe(2);
  });

  it('applies an event delivered again (as dlq redrive and replay send it) once, and repeats the same sync.completed', async () => {
    const readModel = `public.${table('invoices')}`;
    const change = postgresChange('insert', {
      table: readModel.slice('public.'.length),
      lsn: '0/200',
      key: { id: 9 },
      after: { id: 9, status: 'open' },
    });
    const repeatedBefore = await changesCounted('repeated');
    await running.publish(input, change);
    const outputId = derivedEventId(change.id, 'sync.completed');
    await completedFor(change);
    const stored = await rows(readModel);

    await running.publish(input, change);
    const firstRecord = running.probe!.messages.find((m) => m.event?.id === outputId);
    await running.probe!.waitFor((m) => m.event?.id === outputId && m !== firstRecord);
    const announced = running.probe!.messages.filter((m) => m.event?.id === outputId).map((m) => m.event);
    expect(announced).toHaveLength(2);
    expect(announced[1]).toEqual(announced[0]);
    expect(await rows(readModel)).toEqual(stored);
    expect(stored).toHaveLength(1);
    expect(await db.collection('_flowline_outcomes').countDocuments({ _id: change.id as never })).toBe(1);
    await waitFor(async () => (await changesCounted('repeated')) - repeatedBefore === 1);
  });

  it('keeps the stored value of a column the source left out (unchanged TOAST), and lists one it never had', async () => {
    const notes = table('notes');
    const change = (op: DataChanged['op'], options: PostgresChangeOptions) =>
      postgresChange(op, { table: notes, ...options });
    const body = 'x'.repeat(5000);
    const insert = change('insert', { lsn: '0/300', key: { id: 4 }, after: { id: 4, status: 'draft', body } });
    const update = change('update', {
      lsn: '0/310',
      key: { id: 4 },
      after: { id: 4, status: 'sent' },
      unavailable: ['body'],
    });
    const unknown = change('update', {
      lsn: '0/320',
      key: { id: 5 },
      after: { id: 5, status: 'sent' },
      unavailable: ['body'],
    });
    await running.publish(input, insert, update, unknown);
    await completedFor(update);
    await completedFor(unknown);
    const [kept, partial] = await rows(`public.${notes}`);
    expect(kept).toMatchObject({ _id: 4, status: 'sent', body });
    expect(partial).toMatchObject({ _id: 5, status: 'sent', _flowline: { missing: ['body'] } });
    expect(partial).not.toHaveProperty('body');

    // The key changed, the TOASTed column unchanged: the new key's document keeps it, the old key gets a tombstone.
    const moved = change('update', {
      lsn: '0/330',
      key: { id: 6 },
      previousKey: { id: 4 },
      after: { id: 6, status: 'archived' },
      unavailable: ['body'],
    });
    await running.publish(input, moved);
    await completedFor(moved);
    expect(await rows(`public.${notes}`)).toMatchObject([
      { _id: 4, _flowline: { deleted: true, position: 'pg/0000000000000330/0000000000000330' } },
      { _id: 5 },
      { _id: 6, id: 6, status: 'archived', body, _flowline: { deleted: false } },
    ]);
  });

  it('dead-letters a malformed, a keyless and a misrouted event with the reason, and keeps going', async () => {
    const topics = topicNames(running.prefix);
    const items = table('items');
    const partitionkey = `one-partition-${items}`;
    const valid = postgresChange('insert', { table: items, lsn: '0/400', key: { id: 6 }, after: { id: 6 } });
    const malformed = {
      ...valid,
      id: `malformed-${items}`,
      partitionkey,
      data: { ...valid.data, op: 'upsert' },
    } as unknown as FlowlineEvent;
    const keyless = {
      ...postgresChange('insert', { table: items, lsn: '0/401', key: {}, after: { note: 'no key' } }),
      partitionkey,
    };
    const misrouted = createEvent(
      'webhook.received',
      { source: 'github', deliveryId: 'd-1', contentType: 'application/json', payload: {} },
      { source: '/test', id: `misrouted-${items}`, partitionKey: partitionkey },
    );
    const good = { ...valid, partitionkey };
    await running.publish(input, malformed, keyless, misrouted, good);

    const deadLetter = (id: string) =>
      running.probe!.waitFor((m) => m.topic === topics.deadLetter(input) && m.headers['ce_id'] === id);
    expect((await deadLetter(malformed.id)).headers[DLQ_HEADERS.reason]).toMatch(/op/);
    const noKey = await deadLetter(keyless.id);
    expect(noKey.headers[DLQ_HEADERS.errorCode]).toBe('SYNC_CHANGE_UNSUPPORTED');
    expect(noKey.headers[DLQ_HEADERS.reason]).toMatch(/has no key/);
    expect((await deadLetter(misrouted.id)).headers[DLQ_HEADERS.errorCode]).toBe('SYNC_EVENT_UNSUPPORTED');
    expect((await completedFor(good)).result).toEqual({ status: 'applied' });
    expect(await rows(`public.${items}`)).toHaveLength(1);
  });
});
