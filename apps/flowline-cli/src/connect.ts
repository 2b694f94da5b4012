/**
 * The composition root: the real event store (PostgreSQL) and Kafka clients behind the
 * ports, each connected on first use and failing fast with one line naming what could not
 * be reached and where — the CLI is an operator's tool, not a service that waits out an
 * outage (Kafka: connectTimeoutMs; PostgreSQL: connectionTimeoutMillis).
 */
import { Pool } from 'pg';
import { EVENTS_TABLE, EventStore } from '@flowline/event-store';
import { EventPublisher, MessagingClient, TopicReader } from '@flowline/messaging';
import { withTimeout } from '@flowline/service-runtime';
import { SubscriptionStore } from '@flowline/subscriptions';
import { createLogger } from '@flowline/telemetry';
import { NotFoundError, UnreachableError } from './cli-error';
import { CliConfig, databaseAddress } from './config';
import type { Connections, EventStorePort, RecordPublisherPort, SubscriptionStorePort, TopicReaderPort } from './ports';

export const CONNECT_TIMEOUT_MS = 5_000;

export function connectFlowline(config: CliConfig, options: { verbose: boolean }): Connections {
  // Logs go to stderr (stdout is for results, and --json); kafkajs's own connection noise only with --verbose.
  const logger = createLogger({
    service: 'flowline-cli',
    level: options.verbose ? 'warn' : 'silent',
    destination: process.stderr,
  });
  const brokers = config.brokers.join(',');
  let messaging: MessagingClient | undefined;
  let reader: TopicReader | undefined;
  let publisher: Promise<EventPublisher> | undefined;
  let pool: Pool | undefined;
  let store: Promise<EventStore> | undefined;
  let subscriptions: Promise<SubscriptionStore> | undefined;

  const messagingClient = (): MessagingClient =>
    (messaging ??= new MessagingClient({
      brokers: config.brokers,
      ...config.kafkaSecurity,
      clientId: 'flowline-cli',
      logger,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    }));

  const databasePool = (): Pool => {
    if (pool === undefined) {
      pool = new Pool({ connectionString: config.databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, max: 4 });
      // An idle client's error (the server restarted) must not crash the process; the next query reports it.
      pool.on('error', () => undefined);
    }
    return pool;
  };

  const connectSubscriptions = async (): Promise<SubscriptionStore> => {
    const created = new SubscriptionStore(databasePool(), config.topicPrefix);
    try {
      // The notifier creates the table too; whichever runs first does.
      await created.ensureSchema();
    } catch (error) {
      throw new UnreachableError(
        `cannot reach PostgreSQL at ${databaseAddress(config.databaseUrl)}: ${reasonOf(error)}`,
        { cause: error },
      );
    }
    return created;
  };

  const connectStore = async (): Promise<EventStore> => {
    const database = databasePool();
    const address = databaseAddress(config.databaseUrl);
    let ready: boolean;
    try {
      const result = await database.query<{ ready: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ready`, [
        EVENTS_TABLE,
      ]);
      ready = result.rows[0]?.ready === true;
    } catch (error) {
      throw new UnreachableError(`cannot reach PostgreSQL at ${address}: ${reasonOf(error)}`, { cause: error });
    }
    // The event-archiver creates the schema; the CLI only reads it (and writes redrive marks).
    if (!ready)
      throw new NotFoundError(
        `no event store at ${address} (no ${EVENTS_TABLE} table): start the event-archiver, which creates it`,
      );
    return new EventStore(database);
  };

  const startPublisher = async (): Promise<EventPublisher> => {
    const created = messagingClient().createPublisher();
    // The producer retries its connection without limit (idempotence needs that once connected): bound the wait here.
    await withTimeout(
      created.start(),
      2 * CONNECT_TIMEOUT_MS,
      () =>
        new UnreachableError(
          `cannot reach Kafka at ${brokers} (no producer connection within ${(2 * CONNECT_TIMEOUT_MS) / 1000} s)`,
        ),
    );
    return created;
  };

  return {
    eventStore: (): Promise<EventStorePort> => (store ??= connectStore()),
    // The reader connects on its first request and throws BrokerUnavailable naming the brokers when none answers.
    topicReader: (): Promise<TopicReaderPort> => Promise.resolve((reader ??= messagingClient().createTopicReader())),
    publisher: (): Promise<RecordPublisherPort> => (publisher ??= startPublisher()),
    subscriptions: (): Promise<SubscriptionStorePort> => (subscriptions ??= connectSubscriptions()),
    async close(): Promise<void> {
      const started = publisher === undefined ? undefined : await publisher.catch(() => undefined);
      await Promise.allSettled([reader?.close(), started?.stop(), pool?.end()]);
    },
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return error.message === '' && typeof code === 'string' ? code : error.message;
}
