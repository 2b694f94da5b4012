import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { infraUp } from './index';

// What infraUp promises to kafkajs 2.2.4: right after it returns, a transactional producer commits
// and a consumer group joins and reads the committed record, with no extra waiting.

jest.setTimeout(180_000);

let brokers: string[];

beforeAll(async () => {
  brokers = (await infraUp()).KAFKA_BROKERS.split(',');
});

it('lets a consumer group read a record committed in a transaction as soon as infraUp returns', async () => {
  const kafka = new Kafka({ clientId: 'local-infra-spec', brokers, logLevel: logLevel.NOTHING });
  const topic = `local-infra-spec-${randomUUID()}`;
  const admin = kafka.admin();
  const producer = kafka.producer({
    transactionalId: `local-infra-spec-${randomUUID()}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const consumer = kafka.consumer({ groupId: `local-infra-spec-${randomUUID()}` });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });

    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ key: 'k', value: 'committed' }] });
    await transaction.commit();

    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: ({ message }) => Promise.resolve(resolve(message.value?.toString() ?? '')) });
    });
    await expect(received).resolves.toBe('committed');
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});
