/**
 * The cdc-listener as a real process, SIGKILLed while it streams a workload of inserts and
 * updates, then restarted: every change arrives, in order for each row or document, and a
 * change that arrives twice carries the same event id (and the same data) both times. It
 * confirms an LSN to PostgreSQL, or stores a MongoDB resume token, only after Kafka
 * acknowledged every event before it, so what the killed process had not confirmed is
 * streamed again.
 */
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { FlowlineEvent, topicNames } from '@flowline/event-schemas';
import {
  createScratchDatabase,
  dropReplicationSlot,
  ScratchDatabase,
  testInfra,
  TopicProbe,
  uniqueName,
  uniqueTopicPrefix,
  waitFor,
} from '@flowline/testing';
import { ServiceProcess, spawnService, terminate, waitUntilReady } from './service-process';

const TRANSACTIONS = 16;
const INSERTS_PER_TRANSACTION = 120;

type Change = FlowlineEvent<'data.changed'>;

let scratch: ScratchDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  scratch = await createScratchDatabase(testInfra().DATABASE_URL, 'cdccrash');
  pool = new pg.Pool({ connectionString: scratch.url, max: 3 });
});

afterAll(async () => {
  await pool.end();
  await scratch.drop();
});

const dropSlot = (slot: string): Promise<void> => dropReplicationSlot(pool, slot);

/**
 * Transaction t inserts rows t*N+1 … t*N+N at version 1 and moves a seventh of the older
 * rows to their next version, so most rows change several times, in different transactions.
 */
async function runWorkload(table: string): Promise<void> {
  for (let t = 0; t < TRANSACTIONS; t++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} SELECT g, 1 FROM generate_series($1::int, $2::int) AS g`, [
        t * INSERTS_PER_TRANSACTION + 1,
        (t + 1) * INSERTS_PER_TRANSACTION,
      ]);
      await client.query(`UPDATE ${table} SET version = version + 1 WHERE id % 7 = $1 AND id <= $2`, [
        t % 7,
        t * INSERTS_PER_TRANSACTION,
      ]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
}

async function startListener(env: Record<string, string>): Promise<ServiceProcess> {
  const listener = await spawnService('cdc-listener', env);
  await waitUntilReady(listener);
  return listener;
}

describe('cdc-listener process', () => {
  it('SIGKILLed mid-stream and restarted, delivers every change in order per row, duplicates only with their id', async () => {
    const table = uniqueName('orders').replace(/-/g, '_');
    const slot = uniqueName('crash').replace(/-/g, '_');
    const prefix = uniqueTopicPrefix('cdc-crash');
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, version int NOT NULL)`);
    const env = {
      KAFKA_BROKERS: testInfra().KAFKA_BROKERS,
      DATABASE_URL: scratch.url,
      FLOWLINE_TOPIC_PREFIX: prefix,
      CDC_TABLES: `public.${table}`,
      CDC_SLOT: slot,
      CDC_PUBLICATION: uniqueName('pub').replace(/-/g, '_'),
      // Confirm often, so the kill lands between confirmed, acknowledged and published changes.
      CDC_CONFIRM_INTERVAL_MS: '50',
      LOG_LEVEL: 'warn',
    };
    let listener = await startListener(env);
    const probe = await TopicProbe.start(testInfra().KAFKA_BROKERS, [topicNames(prefix).ingressCdc]);
    try {
      const workload = runWorkload(table);
      await waitFor(() => probe.messages.length >= 1_000, { timeoutMs: 30_000, description: 'changes streaming' });
      listener.signal('SIGKILL');
      await listener.exited;
      const seenBeforeKill = probe.messages.length;

      listener = await startListener(env);
      await workload;
      const { rows } = await pool.query<{ id: number; version: number }>(`SELECT id, version FROM ${table}`);
      const expectedChanges = rows.reduce((sum, row) => sum + row.version, 0);
      const changes = (): Change[] =>
        probe.messages
          .map((message) => message.event)
          .filter((event): event is Change => event?.type === 'data.changed');
      await waitFor(() => new Set(changes().map((change) => change.id)).size >= expectedChanges, {
        timeoutMs: 40_000,
        description: `${expectedChanges} distinct changes`,
      });
      expect(await terminate(listener)).toBe(0);
      expect(seenBeforeKill).toBeLessThan(expectedChanges);

      // Duplicates only with the same id, and then with the same content.
      const byId = new Map<string, Change>();
      for (const change of changes()) {
        const first = byId.get(change.id);
        if (first === undefined) byId.set(change.id, change);
        else expect(change.data).toEqual(first.data);
      }
      expect(byId.size).toBe(expectedChanges);
      // Per row, in the order read (one row, one partition): version 1 inserted, then each next version.
      const versions = new Map<number, number[]>();
      const seen = new Set<string>();
      for (const change of changes()) {
        if (seen.has(change.id)) continue;
        seen.add(change.id);
        const id = Number(change.data.key['id']);
        versions.set(id, [...(versions.get(id) ?? []), Number(change.data.after?.['version'])]);
      }
      for (const row of rows) {
        expect({ id: row.id, versions: versions.get(row.id) }).toEqual({
          id: row.id,
          versions: Array.from({ length: row.version }, (_, i) => i + 1),
        });
      }
    } finally {
      listener.signal('SIGTERM');
      await listener.exited;
      await probe.stop();
      await dropSlot(slot);
    }
  });

  it('SIGKILLed while it streams a MongoDB collection and restarted, delivers every change, duplicates only with their id', async () => {
    const mongo = new MongoClient(testInfra().MONGODB_URL);
    await mongo.connect();
    const database = uniqueName('crash').replace(/-/g, '_');
    const stateDatabase = `${database}_state`;
    const prefix = uniqueTopicPrefix('cdc-crash-mongo');
    const env = {
      KAFKA_BROKERS: testInfra().KAFKA_BROKERS,
      MONGODB_URL: testInfra().MONGODB_URL,
      FLOWLINE_TOPIC_PREFIX: prefix,
      CDC_MONGO_COLLECTIONS: `${database}.orders`,
      CDC_MONGO_STATE_DATABASE: stateDatabase,
      CDC_CONFIRM_INTERVAL_MS: '50',
      LOG_LEVEL: 'warn',
    };
    let listener = await startListener(env);
    const probe = await TopicProbe.start(testInfra().KAFKA_BROKERS, [topicNames(prefix).ingressCdc]);
    const orders = mongo.db(database).collection<{ _id: number; version: number }>('orders');
    try {
      // Batches of inserts, each followed by an update of a seventh of the earlier documents.
      const workload = (async () => {
        for (let batch = 0; batch < 12; batch++) {
          const first = batch * 100;
          await orders.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: first + i + 1, version: 1 })));
          await orders.updateMany({ _id: { $lte: first, $mod: [7, batch % 7] } }, { $inc: { version: 1 } });
        }
      })();
      await waitFor(() => probe.messages.length >= 300, { timeoutMs: 30_000, description: 'changes streaming' });
      listener.signal('SIGKILL');
      await listener.exited;

      listener = await startListener(env);
      await workload;
      const documents = await orders.find().toArray();
      const expectedChanges = documents.reduce((sum, document) => sum + document.version, 0);
      const changes = (): Change[] =>
        probe.messages
          .map((message) => message.event)
          .filter((event): event is Change => event?.type === 'data.changed');
      await waitFor(() => new Set(changes().map((change) => change.id)).size >= expectedChanges, {
        timeoutMs: 40_000,
        description: `${expectedChanges} distinct changes`,
      });
      expect(await terminate(listener)).toBe(0);

      // Duplicates only with the same id, the same change (op, key, position). An update read
      // again is looked up again (updateLookup), so its "after" may be newer the second time.
      const byId = new Map<string, Change>();
      for (const change of changes()) {
        const first = byId.get(change.id);
        if (first === undefined) byId.set(change.id, change);
        else
          expect({ op: change.data.op, key: change.data.key, source: change.data.source }).toEqual({
            op: first.data.op,
            key: first.data.key,
            source: first.data.source,
          });
      }
      expect(byId.size).toBe(expectedChanges);
      // Per document, in the order read: the insert, then one update per increment. An update
      // carries the document as looked up when it was read (updateLookup), so versions never
      // go back and end at the stored one.
      const seen = new Map<number, { ops: string[]; versions: number[] }>();
      for (const change of byId.values()) {
        const id = Number(change.data.key['_id']);
        const entry = seen.get(id) ?? { ops: [], versions: [] };
        entry.ops.push(change.data.op);
        entry.versions.push(Number(change.data.after?.['version']));
        seen.set(id, entry);
      }
      for (const document of documents) {
        const entry = seen.get(document._id);
        expect({
          id: document._id,
          count: entry?.ops.length,
          first: entry?.ops[0],
          last: entry?.versions.at(-1),
        }).toEqual({
          id: document._id,
          count: document.version,
          first: 'insert',
          last: document.version,
        });
        expect(entry?.versions).toEqual([...(entry?.versions ?? [])].sort((a, b) => a - b));
      }
    } finally {
      listener.signal('SIGTERM');
      await listener.exited;
      await probe.stop();
      // Best effort: the stand-in sometimes refuses to drop a database it just wrote (an H2 index error).
      for (const name of [database, stateDatabase])
        await mongo
          .db(name)
          .dropDatabase()
          .catch(() => undefined);
      await mongo.close();
    }
  });
});
