/**
 * The router bench's baseline, a process of its own: the router written the obvious way with
 * kafkajs. Consume (read_committed, the runtime's fetch wait and partition concurrency) →
 * JSON-parse each value → the default rule file's rules as plain code (if/else on the type
 * header) → per fetched batch, one transaction (a transactional producer per input
 * partition, as exactly-once needs: its id fences a previous owner) that sends the outputs
 * and the batch's offsets with `sendOffsets`, then commits.
 *
 * Environment: KAFKA_BROKERS, BENCH_INPUT_TOPIC, BENCH_TOPIC_PREFIX (agent topics are
 * `<prefix>agent.<name>`, unmatched go to `<prefix>events.unrouted`), BENCH_GROUP,
 * BENCH_PARTITIONS_CONCURRENTLY (3). Runs until SIGTERM.
 */
import { Kafka, logLevel, type EachBatchPayload, type Producer } from 'kafkajs';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};
const brokers = env('KAFKA_BROKERS').split(',');
const input = env('BENCH_INPUT_TOPIC');
const prefix = env('BENCH_TOPIC_PREFIX');
const groupId = env('BENCH_GROUP');
const concurrency = Number(process.env['BENCH_PARTITIONS_CONCURRENTLY'] ?? '3');

/** apps/router/rules/default.yaml as code. */
function targetOf(type: string): string | undefined {
  if (type === 'email.incoming') return 'email';
  else if (type === 'file.uploaded') return 'document';
  else if (type === 'invoice.received') return 'invoice';
  else if (type === 'data.changed') return 'sync';
  else if (type === 'webhook.received') return 'document';
  return undefined;
}

const kafka = new Kafka({
  clientId: 'bench-router-baseline',
  brokers,
  logLevel: logLevel.WARN,
  retry: { initialRetryTime: 100, retries: 8 },
});
const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1_000 });
const producers = new Map<number, Producer>();

async function producerFor(partition: number): Promise<Producer> {
  let producer = producers.get(partition);
  if (producer === undefined) {
    producer = kafka.producer({
      transactionalId: `${groupId}.${input}.${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    producers.set(partition, producer);
  }
  return producer;
}

async function eachBatch(payload: EachBatchPayload): Promise<void> {
  const { batch } = payload;
  const last = batch.messages.at(-1);
  if (last === undefined) return;
  const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null; headers: typeof last.headers }[]>();
  for (const message of batch.messages) {
    const typeHeader = message.headers?.['ce_type'];
    const type = Buffer.isBuffer(typeHeader) ? typeHeader.toString() : String(typeHeader);
    JSON.parse(String(message.value));
    const target = targetOf(type);
    const topic = target === undefined ? `${prefix}events.unrouted` : `${prefix}agent.${target}`;
    const messages = byTopic.get(topic) ?? [];
    messages.push({ key: message.key, value: message.value, headers: message.headers });
    byTopic.set(topic, messages);
  }
  const transaction = await (await producerFor(batch.partition)).transaction();
  try {
    await transaction.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    await transaction.sendOffsets({
      consumerGroupId: groupId,
      topics: [
        { topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }] },
      ],
    });
    await transaction.commit();
  } catch (error) {
    await transaction.abort().catch(() => undefined);
    throw error;
  }
  payload.resolveOffset(last.offset);
}

async function main(): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: concurrency,
    eachBatch,
  });
  const stop = (): void => {
    void consumer
      .disconnect()
      .then(() => Promise.all([...producers.values()].map((producer) => producer.disconnect())))
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
