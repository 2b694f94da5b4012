import { randomUUID } from 'node:crypto';
import { MongoClient, type ChangeStream, type ChangeStreamDocument, type Collection, type ResumeToken } from 'mongodb';
import { infraUp } from './index';

// The MongoDB stand-in must give the `mongodb` 6 driver working change streams with the URL that
// infraUp returns: inserts, updates (with the looked-up full document) and deletes, and resuming
// after a given token. See README.md for the documented differences from a real MongoDB.

jest.setTimeout(120_000);

interface Thing {
  _id: string;
  n?: number;
}

type Change = ChangeStreamDocument<Thing>;

let client: MongoClient;

beforeAll(async () => {
  client = new MongoClient((await infraUp()).MONGODB_URL);
  await client.connect();
});

afterAll(async () => {
  await client?.close();
});

function freshCollection(): Collection<Thing> {
  return client.db(`local_infra_${randomUUID().slice(0, 8)}`).collection<Thing>('things');
}

/** Opens the stream's server-side cursor now, so every write after this call is seen. */
async function openStream(stream: ChangeStream<Thing, Change>): Promise<ChangeStream<Thing, Change>> {
  expect(await stream.tryNext()).toBeNull();
  return stream;
}

async function nextChanges(stream: ChangeStream<Thing, Change>, count: number): Promise<Change[]> {
  const changes: Change[] = [];
  while (changes.length < count) changes.push(await stream.next());
  return changes;
}

it('delivers insert, update with the full document, and delete to a change stream', async () => {
  const collection = freshCollection();
  const stream = await openStream(collection.watch([], { fullDocument: 'updateLookup' }));
  try {
    await collection.insertOne({ _id: 'a', n: 1 });
    await collection.updateOne({ _id: 'a' }, { $set: { n: 2 } });
    // Read the update before deleting: updateLookup looks the document up when the event is read
    // (as MongoDB does), and only a document that still exists can be looked up.
    const [inserted, updated] = await nextChanges(stream, 2);
    await collection.deleteOne({ _id: 'a' });
    const [deleted] = await nextChanges(stream, 1);

    expect(inserted).toMatchObject({
      operationType: 'insert',
      fullDocument: { _id: 'a', n: 1 },
      documentKey: { _id: 'a' },
    });
    // Not documentKey: the stand-in fills it wrongly for updates (see README.md).
    expect(updated).toMatchObject({ operationType: 'update', fullDocument: { _id: 'a', n: 2 } });
    expect(deleted).toMatchObject({ operationType: 'delete', documentKey: { _id: 'a' } });
  } finally {
    await stream.close();
  }
});

it('resumes after a token with the changes that followed it', async () => {
  const collection = freshCollection();
  const first = await openStream(collection.watch([], { fullDocument: 'updateLookup' }));
  let token: ResumeToken;
  try {
    await collection.insertOne({ _id: 'first' });
    const [change] = await nextChanges(first, 1);
    token = change?._id;
  } finally {
    await first.close();
  }
  await collection.insertOne({ _id: 'second' });
  await collection.insertOne({ _id: 'third' });

  const resumed = collection.watch([], { fullDocument: 'updateLookup', resumeAfter: token });
  try {
    const changes = await nextChanges(resumed, 2);
    expect(changes.map((change) => ('documentKey' in change ? change.documentKey._id : undefined))).toEqual([
      'second',
      'third',
    ]);
  } finally {
    await resumed.close();
  }
});
