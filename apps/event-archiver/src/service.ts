/**
 * Appends every record of every Flowline topic — dead letters and unrouted events included —
 * to the event store, with its own consumer group. Offsets are committed only after the
 * database committed the batch, and the insert ignores a (topic, partition, offset) it
 * already holds (a stored position per partition, libs/event-store archive-positions.ts),
 * so a crash or rebalance neither loses nor doubles a row.
 */
import { topicNames } from '@flowline/event-schemas';
import { EventStore, migrateEventStore } from '@flowline/event-store';
import { MessagingClient } from '@flowline/messaging';
import { createPostgresPool, kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { eventArchiverConfig } from './config';
import { RetentionJob } from './retention-job';

export const eventArchiver: ServiceDefinition<typeof eventArchiverConfig> = {
  name: 'event-archiver',
  configSchema: eventArchiverConfig,
  async build({ config, logger, metrics }) {
    const names = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const eventTopics = names.all();
    const deadLetterTopics = eventTopics.map((topic) => names.deadLetter(topic));
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'event-archiver', logger, metrics });
    // Every topic must exist before the subscription: a topic created later would be missed until a restart.
    await messaging.ensureTopics([
      ...eventTopics,
      ...deadLetterTopics.map((name) => ({ name, partitions: 1, retentionMs: config.KAFKA_DLQ_RETENTION_MS })),
    ]);

    // A connection dropping (PostgreSQL restarted, failed over) fails the insert in hand, which
    // is retried with backoff until the database is back; it never ends the process.
    const pool = createPostgresPool(
      { connectionString: config.DATABASE_URL, max: config.ARCHIVER_PARTITIONS_CONCURRENTLY + 2 },
      logger,
      'event-store',
    );
    await migrateEventStore(pool);
    const store = new EventStore(pool);
    const consumer = messaging.createRecordConsumer({
      groupId: `${config.FLOWLINE_TOPIC_PREFIX}event-archiver`,
      topics: [...eventTopics, ...deadLetterTopics],
      maxBatchRecords: config.ARCHIVER_MAX_BATCH_RECORDS,
      partitionsConcurrently: config.ARCHIVER_PARTITIONS_CONCURRENTLY,
      sessionTimeoutMs: config.ARCHIVER_SESSION_TIMEOUT_MS,
      handleBatch: async (records) => {
        await store.append(records);
      },
    });
    const retention = new RetentionJob(store, {
      retentionDays: config.EVENT_RETENTION_DAYS,
      intervalMs: config.RETENTION_INTERVAL_MS,
      logger,
    });
    const database = {
      name: 'event-store-pool',
      start: () => Promise.resolve(),
      stop: () => pool.end(),
    };
    return {
      // Started in order, stopped in reverse: the consumer drains into the store before the pool closes.
      components: [database, retention, consumer],
      readiness: [
        messaging.clusterReadiness(),
        consumer.readiness(),
        { name: 'event-store', check: async () => void (await pool.query('SELECT 1')) },
      ],
    };
  },
};
