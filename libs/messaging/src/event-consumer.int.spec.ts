/**
 * The consumer runtime on the real broker: offsets are committed only after the handler
 * succeeded, and a message that is not a Flowline event goes to `<topic>.dlq` with the
 * reason instead of blocking the partition.
 */
import { Kafka, logLevel } from 'kafkajs';
import { createEvent, encodeEvent, FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { createLogger } from '@flowline/telemetry';
import { testInfra, TopicProbe, uniqueName, waitFor } from '@flowline/testing';
import { MessagingClient } from './messaging-client';

const logger = createLogger({ service: 'messaging-test', level: 'silent' });

function sample(n: number): FlowlineEvent {
  return createEvent('webhook.received', { source: 'test', payload: { n } }, { source: '/messaging-test' });
}

describe('event consumer on the real broker', () => {
  const { KAFKA_BROKERS } = testInfra();
  const brokers = KAFKA_BROKERS.split(',');
  const raw = new Kafka({ clientId: 'messaging-test', brokers, logLevel: logLevel.NOTHING });
  let messaging: MessagingClient;
  let topic: string;

  beforeEach(async () => {
    messaging = new MessagingClient({ brokers, clientId: 'messaging-test', logger });
    topic = uniqueName('consumer-test');
    await messaging.ensureTopics([{ name: topic, partitions: 2 }]);
  });

  it('redelivers a message whose handler failed, and commits once it succeeds', async () => {
    const publisher = messaging.createPublisher();
    await publisher.start();
    const event = sample(1);
    await publisher.publish(topic, event);
    await publisher.stop();

    let attempts = 0;
    const groupId = uniqueName('group');
    const consumer = messaging.createConsumer({
      groupId,
      topics: [topic],
      handle: (received) => {
        attempts += 1;
        if (received.id === event.id && attempts === 1) return Promise.reject(new Error('transient failure'));
        return Promise.resolve();
      },
    });
    await consumer.start();
    await waitFor(() => attempts >= 2, { description: 'the second attempt' });
    await consumer.stop();

    // Committed after the successful attempt: the group has nothing left to read.
    const admin = raw.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    const committed = offsets?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(1);
    expect(attempts).toBe(2);
  });

  it('sends a message that is not a CloudEvent to <topic>.dlq with the reason, and moves on', async () => {
    const producer = raw.producer();
    await producer.connect();
    const good = sample(2);
    await producer.send({ topic, messages: [{ key: 'k', value: 'not an event' }, { ...encodeEvent(good), key: 'k' }] });
    await producer.disconnect();

    const handled: string[] = [];
    const consumer = messaging.createConsumer({
      groupId: uniqueName('group'),
      topics: [topic],
      handle: (event) => {
        handled.push(event.id);
        return Promise.resolve();
      },
    });
    await consumer.start();
    const dlq = await TopicProbe.start(KAFKA_BROKERS, [topicNames().deadLetter(topic)]);
    try {
      const dead = await dlq.waitFor(() => true);
      expect(dead.value).toBe('not an event');
      expect(dead.headers).toMatchObject({
        'flowline-dlq-error-class': 'NotACloudEvent',
        'flowline-dlq-error-code': 'NOT_A_CLOUDEVENT',
        'flowline-dlq-original-topic': topic,
        'flowline-dlq-attempts': '1',
      });
      expect(dead.headers['flowline-dlq-reason']).toMatch(/not a CloudEvent/);
      await waitFor(() => handled.includes(good.id), { description: 'the good event after the bad one' });
    } finally {
      await dlq.stop();
      await consumer.stop();
    }
  });

  it('answers readiness only while the consumer is in its group', async () => {
    const consumer = messaging.createConsumer({ groupId: uniqueName('group'), topics: [topic], handle: () => Promise.resolve() });
    await expect(consumer.readiness().check()).rejects.toThrow(/not a member/);
    await consumer.start();
    await waitFor(() => consumer.readiness().check().then(() => true), { description: 'group membership' });
    await consumer.stop();
    await expect(consumer.readiness().check()).rejects.toThrow(/not a member/);
  });
});
