/**
 * The harness hands tests real servers that can do what Flowline needs of them: Kafka
 * groups and transactions, PostgreSQL logical decoding (pgoutput), MongoDB change streams,
 * RabbitMQ publisher confirms. If one of these fails, the integration suites would too —
 * this says which server and which capability.
 */
import { connect as connectAmqp } from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { testInfra } from './infra-settings';
import { TopicProbe } from './topic-probe';
import { uniqueName } from './unique-names';
import { waitFor } from './wait-for';

describe('real servers from the test harness', () => {
  const infra = testInfra();

  it('Kafka: commits a transaction that a read_committed consumer then sees', async () => {
    const kafka = new Kafka({
      clientId: 'harness-test',
      brokers: infra.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueName('harness-tx');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({
      transactionalId: uniqueName('harness-tx-id'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ key: 'k', value: 'committed' }] });
    await transaction.commit();
    await producer.disconnect();

    const probe = await TopicProbe.start(infra.KAFKA_BROKERS, [topic]);
    try {
      const message = await probe.waitFor((m) => m.value === 'committed');
      expect(message.key).toBe('k');
    } finally {
      await probe.stop();
    }
  });

  it('PostgreSQL: runs with wal_level=logical and decodes a committed row through a pgoutput slot', async () => {
    const client = new Client({ connectionString: infra.DATABASE_URL });
    await client.connect();
    const table = uniqueName('harness').replace(/-/g, '_');
    const slot = `${table}_slot`;
    try {
      expect((await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level).toBe('logical');
      await client.query(`CREATE TABLE ${table} (id int primary key, note text)`);
      await client.query(`CREATE PUBLICATION ${table}_pub FOR TABLE ${table}`);
      await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
      await client.query(`INSERT INTO ${table} VALUES (1, 'hello')`);
      const changes = await client.query<{ data: Buffer }>(
        `SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`,
        [slot, `${table}_pub`],
      );
      // pgoutput messages: Begin, Relation, Insert, Commit — an insert is tagged 'I'.
      const tags = changes.rows.map((row) => String.fromCharCode(row.data[0] ?? 0));
      expect(tags).toEqual(expect.arrayContaining(['B', 'R', 'I', 'C']));
    } finally {
      await client.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [
        slot,
      ]);
      await client.query(`DROP PUBLICATION IF EXISTS ${table}_pub`);
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    }
  });

  it('MongoDB: a change stream delivers an inserted document', async () => {
    const client = new MongoClient(infra.MONGODB_URL);
    await client.connect();
    try {
      const collection = client.db('harness').collection(uniqueName('changes'));
      await collection.insertOne({ seed: true }); // the collection must exist before watching on some servers
      const stream = collection.watch([], { fullDocument: 'updateLookup' });
      const next = stream.next() as Promise<{ operationType: string; fullDocument?: { n?: number } }>;
      // An insert made before the server opened the cursor is not on the stream, and when it
      // opens depends on the load: insert again until the stream has delivered one.
      const change = await waitFor(
        async () => {
          await collection.insertOne({ n: 42 });
          return Promise.race([next, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500))]);
        },
        { description: 'an insert on the change stream', timeoutMs: 30_000, intervalMs: 0 },
      );
      expect(change.operationType).toBe('insert');
      expect(change.fullDocument?.n).toBe(42);
      await stream.close();
    } finally {
      await client.close();
    }
  });

  it('RabbitMQ: confirms a persistent message on a topic exchange and delivers it by routing key', async () => {
    const connection = await connectAmqp(infra.AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      const exchange = uniqueName('harness-exchange');
      await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, exchange, 'invoice.*');
      channel.publish(exchange, 'invoice.processed', Buffer.from('{"ok":true}'), { persistent: true });
      await channel.waitForConfirms();
      const message = await new Promise<string>((resolve) => {
        void channel.consume(queue, (msg) => {
          if (msg !== null) resolve(`${msg.fields.routingKey} ${msg.content.toString()}`);
        });
      });
      expect(message).toBe('invoice.processed {"ok":true}');
      await channel.close();
    } finally {
      await connection.close();
    }
  });
});
