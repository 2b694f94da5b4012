import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { createLogger } from '@flowline/telemetry';
import { testInfra, uniqueName } from '@flowline/testing';
import { MessagingClient } from './messaging-client';

describe('topic creation at start', () => {
  const { KAFKA_BROKERS } = testInfra();
  const brokers = KAFKA_BROKERS.split(',');
  const raw = new Kafka({ clientId: 'topic-test', brokers, logLevel: logLevel.NOTHING });

  async function describeTopic(topic: string): Promise<{ partitions: number; config: Record<string, string> }> {
    const admin = raw.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      });
      const entries = configs.resources[0]?.configEntries ?? [];
      return {
        partitions: metadata.topics[0]?.partitions.length ?? 0,
        config: Object.fromEntries(entries.map((entry) => [entry.configName, entry.configValue])),
      };
    } finally {
      await admin.disconnect();
    }
  }

  it('lets several services create the same set of topics at the same moment (router vs archiver at start)', async () => {
    const logger = createLogger({ service: 'topic-test', level: 'silent' });
    const clients = Array.from(
      { length: 4 },
      (_, index) => new MessagingClient({ brokers, clientId: `topic-test-${index}`, logger }),
    );
    const prefix = uniqueName('race');
    const topics = Array.from({ length: 12 }, (_, index) => `${prefix}.t${index}`);
    // A consumer subscribes right after ensureTopics: the topics must already have leaders,
    // whichever client won the race (a client seeing "already exists" must wait too).
    const leaderless = await Promise.all(
      clients.map(async (client) => {
        await client.ensureTopics(topics);
        const admin = raw.admin({ retry: { retries: 0 } });
        await admin.connect();
        try {
          const metadata = await admin.fetchTopicMetadata({ topics });
          return metadata.topics.flatMap((topic) =>
            topic.partitions
              .filter((partition) => partition.leader < 0)
              .map((partition) => `${topic.name}/${partition.partitionId}`),
          );
        } finally {
          await admin.disconnect();
        }
      }),
    );
    expect(leaderless.flat()).toEqual([]);
    for (const topic of topics) expect((await describeTopic(topic)).partitions).toBe(3);
  });

  it('creates missing topics with the configured partitions and retention, and is idempotent', async () => {
    const messaging = new MessagingClient({
      brokers,
      clientId: 'topic-test',
      logger: createLogger({ service: 'topic-test', level: 'silent' }),
      topicDefaults: { partitions: 4, retentionMs: 3_600_000, deadLetterRetentionMs: 86_400_000 },
    });
    const events = uniqueName('topic-events');
    const state = uniqueName('topic-state');
    await Promise.all([messaging.ensureTopics([events]), messaging.ensureTopics([events])]); // two services racing
    await messaging.ensureTopics([{ name: state, partitions: 1, cleanupPolicy: 'compact' }]);
    expect(await describeTopic(events)).toMatchObject({
      partitions: 4,
      config: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' },
    });
    expect(await describeTopic(state)).toMatchObject({ partitions: 1, config: { 'cleanup.policy': 'compact' } });
  });
});

describe('topic durability on the one-node local broker', () => {
  const { KAFKA_BROKERS } = testInfra();
  const brokers = KAFKA_BROKERS.split(',');
  const logger = createLogger({ service: 'topic-test', level: 'silent' });

  it('sets min.insync.replicas on the topic itself, as configured', async () => {
    const messaging = new MessagingClient({
      brokers,
      clientId: 'topic-durability-test',
      logger,
      topicDefaults: { partitions: 1, replicationFactor: 1, minInsyncReplicas: 1 },
    });
    const topic = uniqueName('durable');
    await messaging.ensureTopics([topic]);
    const admin = new Kafka({ clientId: 'topic-test', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      });
      const entry = configs.resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas');
      // Source 1 is TOPIC_CONFIG: set on this topic, not inherited from the broker's default of 1.
      expect(entry).toMatchObject({ configValue: '1', configSource: 1 });
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses a replication factor above the broker count with an error naming KAFKA_REPLICATION_FACTOR', async () => {
    const messaging = new MessagingClient({
      brokers,
      clientId: 'topic-durability-test',
      logger,
      topicDefaults: { partitions: 1, replicationFactor: 2, minInsyncReplicas: 1 },
    });
    await expect(messaging.ensureTopics([uniqueName('too-replicated')])).rejects.toThrow(
      /replication factor 2 is more than the cluster's brokers \(KAFKA_REPLICATION_FACTOR; broker: Replication-factor is invalid\)/,
    );
  });
});
