/**
 * Streams the changes of configured PostgreSQL tables (logical replication, pgoutput) and
 * MongoDB collections (change streams) to ingress.cdc as data.changed events. A position —
 * an LSN, a resume token — is confirmed or stored only after Kafka acknowledged every event
 * up to it (postgres/postgres-change-stream.ts, mongodb/mongo-change-streams.ts), so a
 * restart, after a crash too, resumes without losing a change.
 *
 * With CDC_TABLES and CDC_MONGO_COLLECTIONS empty the service runs its lifecycle only and says so.
 */
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { Component, kafkaSettings, ReadinessCheck, ServiceDefinition } from '@flowline/service-runtime';
import { cdcListenerConfig, qualifyTable } from './config';
import { MongoChangeStreams } from './mongodb/mongo-change-streams';
import { parseTableName } from './postgres/postgres-setup';
import { PostgresChangeStream } from './postgres/postgres-change-stream';

export const cdcListener: ServiceDefinition<typeof cdcListenerConfig> = {
  name: 'cdc-listener',
  configSchema: cdcListenerConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'cdc-listener', logger, metrics });
    if (config.CDC_TABLES.length === 0 && config.CDC_MONGO_COLLECTIONS.length === 0) {
      logger.info(
        'CDC_TABLES and CDC_MONGO_COLLECTIONS are empty: change data capture is off (set CDC_TABLES=schema.table,… or CDC_MONGO_COLLECTIONS=db.collection,…)',
      );
      return { components: [], readiness: [messaging.clusterReadiness()] };
    }
    await messaging.ensureTopics([topics.ingressCdc]);
    const publisher = messaging.createPublisher();
    // Most of the drain deadline: the rest closes the publisher and the connections.
    const drainTimeoutMs = Math.floor(config.SHUTDOWN_TIMEOUT_MS * 0.6);
    const components: Component[] = [publisher];
    const readiness: ReadinessCheck[] = [messaging.clusterReadiness(), publisher.readiness()];
    if (config.CDC_TABLES.length > 0) {
      const postgres = new PostgresChangeStream({
        url: config.DATABASE_URL,
        tables: config.CDC_TABLES.map((name) => parseTableName(qualifyTable(name))),
        slot: config.CDC_SLOT,
        publication: config.CDC_PUBLICATION,
        managePublication: config.CDC_MANAGE_PUBLICATION,
        heartbeat:
          config.CDC_HEARTBEAT_INTERVAL_MS === 0
            ? undefined
            : { table: parseTableName(config.CDC_HEARTBEAT_TABLE), intervalMs: config.CDC_HEARTBEAT_INTERVAL_MS },
        positionTable: parseTableName(config.CDC_POSITION_TABLE),
        confirmIntervalMs: config.CDC_CONFIRM_INTERVAL_MS,
        walCheckIntervalMs: config.CDC_WAL_CHECK_INTERVAL_MS,
        walRetainedWarnBytes: config.CDC_WAL_RETAINED_WARN_BYTES,
        allowNewSlot: config.CDC_ALLOW_NEW_SLOT,
        snapshot: config.CDC_SNAPSHOT,
        maxInFlight: config.CDC_MAX_IN_FLIGHT,
        drainTimeoutMs,
        topic: topics.ingressCdc,
        publisher,
        logger,
        metrics,
      });
      components.push(postgres);
      readiness.push(postgres.readiness());
    } else {
      logger.info('CDC_TABLES is empty: PostgreSQL change data capture is off');
    }
    if (config.CDC_MONGO_COLLECTIONS.length > 0) {
      const mongo = new MongoChangeStreams({
        url: config.MONGODB_URL,
        targets: config.CDC_MONGO_COLLECTIONS.map((name) => {
          const dot = name.indexOf('.');
          const collection = name.slice(dot + 1);
          return { database: name.slice(0, dot), collection: collection === '*' ? undefined : collection };
        }),
        stateDatabase: config.CDC_MONGO_STATE_DATABASE,
        confirmIntervalMs: config.CDC_CONFIRM_INTERVAL_MS,
        maxInFlight: config.CDC_MAX_IN_FLIGHT,
        drainTimeoutMs,
        topic: topics.ingressCdc,
        publisher,
        logger,
      });
      components.push(mongo);
      readiness.push(mongo.readiness());
    } else {
      logger.info('CDC_MONGO_COLLECTIONS is empty: MongoDB change data capture is off');
    }
    // Started in order, stopped in reverse: on SIGTERM each stream stops reading, waits for
    // Kafka's acknowledgements and confirms that position; only then does the publisher stop.
    return { components, readiness };
  },
};
