/**
 * MongoDB change streams in process, against the local MongoDB stand-in (mongo-java-server,
 * MONGODB_URL from testInfra) and the real Kafka. Each test watches a database of its own.
 * The stand-in delivers nothing to a whole-database watch (`db.*`): that case is a unit test
 * (mongodb/mongo-change.spec.ts) and needs a real MongoDB to run end to end.
 */
import { Binary, Decimal128, Long, MongoClient, ObjectId, UUID } from 'mongodb';
import { FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { ServiceUnderTest, startServiceUnderTest, testInfra, uniqueName, waitFor } from '@flowline/testing';
import { cdcListener } from './service';

let client: MongoClient;
const stateDatabase = uniqueName('cdc_state').replace(/-/g, '_');
const databases: string[] = [stateDatabase];
const running: ServiceUnderTest[] = [];

beforeAll(async () => {
  client = new MongoClient(testInfra().MONGODB_URL);
  await client.connect();
});

afterEach(async () => {
  for (const service of running.splice(0)) await service.stop();
});

afterAll(async () => {
  for (const database of databases) await client.db(database).dropDatabase();
  await client.close();
});

function freshDatabase(): string {
  const name = uniqueName('cdc_mongo').replace(/-/g, '_');
  databases.push(name);
  return name;
}

async function startListener(collections: string, env: Record<string, string> = {}): Promise<ServiceUnderTest> {
  const service = await startServiceUnderTest(cdcListener, {
    env: {
      CDC_MONGO_COLLECTIONS: collections,
      CDC_MONGO_STATE_DATABASE: stateDatabase,
      CDC_CONFIRM_INTERVAL_MS: '100',
      ...env,
    },
    outputs: (prefix) => [topicNames(prefix).ingressCdc],
  });
  running.push(service);
  return service;
}

type Change = FlowlineEvent<'data.changed'>;

async function waitForChanges(service: ServiceUnderTest, subject: string, count: number): Promise<Change[]> {
  return waitFor(
    () => {
      const changes = (service.probe?.messages ?? [])
        .map((message) => message.event)
        .filter((event): event is Change => event?.type === 'data.changed' && event.subject === subject);
      return changes.length >= count ? changes : undefined;
    },
    { timeoutMs: 30_000, description: `${count} changes of ${subject}` },
  );
}

describe('MongoDB change streams', () => {
  it('publishes insert, update, replace and delete with the looked-up document and BSON values as stated', async () => {
    const database = freshDatabase();
    const service = await startListener(`${database}.orders`);
    const orders = client.db(database).collection('orders');
    const id = new ObjectId('65f0a1b2c3d4e5f6a7b8c9d0');
    await orders.insertOne({
      _id: id,
      total: Decimal128.fromString('129.90'),
      big: Long.fromString('9007199254740993'),
      small: 7,
      placedAt: new Date('2024-05-02T07:21:00.123Z'),
      blob: new Binary(Buffer.from([0, 255])),
      ref: new UUID('0b4ba4b4-8e6b-4a7e-9d55-6a2f3c1e0d11'),
      tags: ['a', 'b'],
    });
    const [inserted] = await waitForChanges(service, `${database}.orders`, 1);
    await orders.updateOne({ _id: id }, { $set: { status: 'paid' } });
    await waitForChanges(service, `${database}.orders`, 2);
    await orders.replaceOne({ _id: id }, { status: 'replaced' });
    await waitForChanges(service, `${database}.orders`, 3);
    await orders.deleteOne({ _id: id });
    const [, updated, replaced, deleted] = await waitForChanges(service, `${database}.orders`, 4);

    expect(inserted?.data).toMatchObject({
      op: 'insert',
      key: { _id: '65f0a1b2c3d4e5f6a7b8c9d0' },
      before: null,
      source: { kind: 'mongodb', database, collection: 'orders', resumeToken: { _data: expect.any(String) } },
    });
    expect(inserted?.data.after).toEqual({
      _id: '65f0a1b2c3d4e5f6a7b8c9d0',
      total: '129.90',
      big: '9007199254740993',
      small: 7,
      placedAt: '2024-05-02T07:21:00.123Z',
      blob: 'AP8=',
      ref: '0b4ba4b4-8e6b-4a7e-9d55-6a2f3c1e0d11',
      tags: ['a', 'b'],
    });
    expect(inserted).toMatchObject({
      subject: `${database}.orders`,
      partitionkey: `${database}.orders:{"_id":"65f0a1b2c3d4e5f6a7b8c9d0"}`,
      source: `/cdc-listener/mongodb/${database}`,
    });
    expect(updated?.data).toMatchObject({ op: 'update', key: { _id: '65f0a1b2c3d4e5f6a7b8c9d0' } });
    expect(updated?.data.after).toMatchObject({ status: 'paid', total: '129.90' });
    expect(updated?.partitionkey).toBe(inserted?.partitionkey);
    expect(replaced?.data.after).toEqual({ _id: '65f0a1b2c3d4e5f6a7b8c9d0', status: 'replaced' });
    expect(deleted?.data).toMatchObject({ op: 'delete', after: null, key: { _id: '65f0a1b2c3d4e5f6a7b8c9d0' } });
    expect(new Set([inserted, updated, replaced, deleted].map((change) => change?.id)).size).toBe(4);
  });

  it('stores the resume token after Kafka acknowledged, and resumes after it: changes made while down arrive, none twice', async () => {
    const database = freshDatabase();
    const target = `${database}.orders`;
    const orders = client.db(database).collection<{ _id: number }>('orders');
    const first = await startListener(target);
    for (let i = 1; i <= 3; i++) await orders.insertOne({ _id: i });
    const before = await waitForChanges(first, target, 3);
    await first.stop();
    const stored = await client
      .db(stateDatabase)
      .collection<{ _id: string; token: unknown }>('resume_tokens')
      .findOne({ _id: target });
    // At or past the last change: while nothing is in flight the stream's own token (which
    // MongoDB moves on over later oplog entries) is stored. Tokens compare as their hex text.
    const lastToken = before[2]?.data.source.kind === 'mongodb' ? before[2].data.source.resumeToken['_data'] : '';
    const storedToken = (stored?.token as { _data?: string } | undefined)?._data ?? '';
    expect(storedToken >= String(lastToken)).toBe(true);

    for (let i = 4; i <= 6; i++) await orders.insertOne({ _id: i });
    const second = await startListener(target, { FLOWLINE_TOPIC_PREFIX: first.prefix });
    const changes = await waitForChanges(second, target, 6);
    const ids = changes.map((change) => change.data.key['_id'] as number);
    expect(ids.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(second.logs().find((line) => line['msg'] === 'change stream resumed')).toMatchObject({ target });
  });
});
