/**
 * The sync agent: `data.changed` on agent.sync → the change applied to a read model
 * (MongoDB by default, or a PostgreSQL table) → `sync.completed` on events.domain, caused by
 * the input (same correlation id, causation id = input id, id derivedEventId(input,
 * 'sync.completed')).
 *
 * Its effect is a database write, so the consumer is not transactional (docs/architecture.md
 * "Three patterns"): the handler returns once the write is durable and the output is
 * published after it, acknowledged before the offset commit. Once per event: PostgreSQL by
 * the inbox in the write's transaction (pattern 2), MongoDB by the position each write is
 * conditional on (mongodb-read-model.ts). A redelivered input is answered with the recorded
 * outcome, under the same id. Changes of one key share a partition (the cdc-listener's
 * partition key is table + key) and one partition is handled in order, so one key is never
 * applied concurrently; truncates, keyed by table, are ordered against row changes by
 * position (read-model targets).
 */
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { createPostgresPool, kafkaSettings, type ServiceDefinition } from '@flowline/service-runtime';
import type { Logger } from '@flowline/telemetry';
import { syncAgentConfig, type SyncAgentConfig } from './config';
import { MongoReadModel } from './mongodb-read-model';
import { PostgresReadModel } from './postgres-read-model';
import { readModelChange, type ReadModelChange } from './read-model-change';
import type { AppliedChange, ReadModelTarget } from './read-model-target';
import { syncCompletedEvent } from './sync-completed';
import { SyncEventUnsupported } from './sync-errors';
import { createSyncMetrics } from './sync-metrics';

/** Bounds on each database operation, so an outage shows as failed attempts (retried), not a hang. */
const DATABASE_TIMEOUT_MS = 10_000;

function createTarget(
  config: SyncAgentConfig,
  groupId: string,
  logger: Logger,
): { target: ReadModelTarget; close: () => Promise<void> } {
  if (config.SYNC_TARGET === 'mongodb') {
    const target = new MongoReadModel({
      url: config.MONGODB_URL,
      database: config.SYNC_MONGODB_DATABASE,
      metaField: config.SYNC_MONGODB_META_FIELD,
      timeoutMs: DATABASE_TIMEOUT_MS,
    });
    return { target, close: () => target.stop() };
  }
  const pool = createPostgresPool(
    {
      connectionString: config.DATABASE_URL,
      max: 4,
      timeoutMs: DATABASE_TIMEOUT_MS,
    },
    logger,
    'read-model database',
  );
  return {
    target: new PostgresReadModel({ pool, table: config.SYNC_POSTGRES_TABLE, consumer: groupId }),
    close: () => pool.end(),
  };
}

export const syncAgent: ServiceDefinition<typeof syncAgentConfig> = {
  name: 'sync-agent',
  configSchema: syncAgentConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const input = topics.agent('sync');
    const groupId = `${config.FLOWLINE_TOPIC_PREFIX}sync-agent`;
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'sync-agent', logger, metrics });
    await messaging.ensureTopics([input, topics.domainEvents]);

    const { target, close } = createTarget(config, groupId, logger);
    const database = {
      name: `${target.system}-read-model`,
      start: () => target.start(),
      stop: close,
    };
    const syncMetrics = createSyncMetrics(metrics.registry);
    logger.info(
      {
        target: target.system,
        read_model_name: config.SYNC_READ_MODEL_NAME,
        ...(target.system === 'mongodb'
          ? { mongodb_database: config.SYNC_MONGODB_DATABASE }
          : { postgres_table: config.SYNC_POSTGRES_TABLE }),
      },
      'sync agent configured',
    );

    const publisher = messaging.createPublisher();
    const consumer = messaging.createConsumer({
      groupId,
      topics: [input],
      publisher,
      async handle(event, context) {
        if (event.type !== 'data.changed') {
          throw new SyncEventUnsupported(`agent.sync takes data.changed events, not ${event.type}`);
        }
        const stopTimer = syncMetrics.applySeconds.startTimer({ target: target.system });
        let change: ReadModelChange;
        let applied: AppliedChange;
        try {
          change = readModelChange(event, config.SYNC_READ_MODEL_NAME);
          applied = await target.apply(event.id, change);
        } catch (error) {
          syncMetrics.changes.inc({ target: target.system, result: 'failed' });
          throw error;
        } finally {
          stopTimer();
        }
        const result = applied.repeated ? 'repeated' : applied.outcome.status;
        syncMetrics.changes.inc({ target: target.system, result });
        const completed = syncCompletedEvent(event, change, applied.outcome, {
          system: target.system,
          instance: target.instance(change.readModel),
        });
        context.publish(topics.domainEvents, completed);
        const details = {
          output_id: completed.id,
          read_model: change.readModel,
          key: change.kind === 'row' ? change.keyText : '*',
          op: change.op,
          position: change.position,
          result,
        };
        if (applied.outcome.status === 'stale') {
          logger.info({ ...details, current_position: applied.outcome.current }, 'stale change not applied');
        } else logger.info(details, applied.repeated ? 'change handled before' : 'change applied');
      },
    });
    return {
      // Started in order, stopped in reverse: the consumer finishes the change in hand and
      // commits, the publisher drains, and the database closes last.
      components: [database, publisher, consumer],
      readiness: [messaging.clusterReadiness(), target.readiness(), publisher.readiness(), consumer.readiness()],
    };
  },
};
