/**
 * Streams the changes of configured PostgreSQL tables (logical replication, pgoutput) to
 * ingress.cdc as data.changed events. A position is confirmed to PostgreSQL only after Kafka
 * acknowledged every event up to it (postgres/postgres-change-stream.ts), so a restart —
 * after a crash too — resumes from the slot without losing a change.
 *
 * With CDC_TABLES empty the service runs its lifecycle only and says so.
 */
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { kafkaSettings, ServiceDefinition } from '@flowline/service-runtime';
import { cdcListenerConfig, qualifyTable } from './config';
import { parseTableName } from './postgres/postgres-setup';
import { PostgresChangeStream } from './postgres/postgres-change-stream';

export const cdcListener: ServiceDefinition<typeof cdcListenerConfig> = {
  name: 'cdc-listener',
  configSchema: cdcListenerConfig,
  async build({ config, logger, metrics }) {
    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'cdc-listener', logger, metrics });
    if (config.CDC_TABLES.length === 0) {
      logger.info(
        'CDC_TABLES is empty: PostgreSQL change data capture is off (set CDC_TABLES=schema.table,… to stream tables)',
      );
      return { components: [], readiness: [messaging.clusterReadiness()] };
    }
    await messaging.ensureTopics([topics.ingressCdc]);
    const publisher = messaging.createPublisher();
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
      // Most of the drain deadline: the rest closes the publisher and the connections.
      drainTimeoutMs: Math.floor(config.SHUTDOWN_TIMEOUT_MS * 0.6),
      topic: topics.ingressCdc,
      publisher,
      logger,
      metrics,
    });
    return {
      // Started in order, stopped in reverse: on SIGTERM the stream stops reading, waits for
      // Kafka's acknowledgements, confirms that position, and only then the publisher stops.
      components: [publisher, postgres],
      readiness: [messaging.clusterReadiness(), publisher.readiness(), postgres.readiness()],
    };
  },
};
