import { deadLetterTopicSettings, topicCreation, topicSpecWithDefaults } from './topic-admin';

const production = {
  partitions: 6,
  retentionMs: 604_800_000,
  deadLetterRetentionMs: 2_592_000_000,
  replicationFactor: 3,
  minInsyncReplicas: 2,
};

describe('topicSpecWithDefaults', () => {
  it('gives a topic named by the service every default, durability included', () => {
    expect(topicSpecWithDefaults('orders', production)).toEqual({
      name: 'orders',
      partitions: 6,
      retentionMs: 604_800_000,
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
  });

  it('keeps a spec’s own settings and adds only the durability it leaves unset', () => {
    expect(topicSpecWithDefaults({ name: 'state', partitions: 1, cleanupPolicy: 'compact' }, production)).toEqual({
      name: 'state',
      partitions: 1,
      cleanupPolicy: 'compact',
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
    expect(topicSpecWithDefaults({ name: 'scratch', partitions: 1, replicationFactor: 1 }, production)).toMatchObject({
      replicationFactor: 1,
      minInsyncReplicas: 2,
    });
  });

  it('leaves replication to the broker when the client has no durability settings', () => {
    expect(topicSpecWithDefaults('orders', { partitions: 3 })).toEqual({ name: 'orders', partitions: 3 });
  });
});

describe('deadLetterTopicSettings', () => {
  it('makes dead-letter topics one partition, kept longer, and as durable as the rest', () => {
    expect(deadLetterTopicSettings(production)).toEqual({
      partitions: 1,
      retentionMs: 2_592_000_000,
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
  });
});

describe('topicCreation', () => {
  it('asks for the replication factor and sets min.insync.replicas on the topic', () => {
    expect(topicCreation({ name: 'orders', partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 })).toEqual({
      topic: 'orders',
      numPartitions: 6,
      replicationFactor: 3,
      configEntries: [{ name: 'min.insync.replicas', value: '2' }],
    });
  });

  it('sends retention and cleanup policy as topic configs, and nothing the spec leaves unset', () => {
    expect(topicCreation({ name: 'state', partitions: 1, retentionMs: 1000, cleanupPolicy: 'compact' })).toEqual({
      topic: 'state',
      numPartitions: 1,
      configEntries: [
        { name: 'retention.ms', value: '1000' },
        { name: 'cleanup.policy', value: 'compact' },
      ],
    });
  });
});
