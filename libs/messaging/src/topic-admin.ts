import type { ITopicConfig, Kafka } from 'kafkajs';
import { NonRetryableError } from './errors';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** How long records are kept (Kafka `retention.ms`); the broker default when unset. */
  retentionMs?: number;
  /** `compact` keeps the latest record per key (state topics); the default `delete` ages records out. */
  cleanupPolicy?: 'delete' | 'compact';
  /** Copies of each partition; the broker's default.replication.factor when unset. */
  replicationFactor?: number;
  /**
   * Kafka `min.insync.replicas`: with acks=all a write succeeds only once this many replicas
   * have it, so RF 3 / min ISR 2 survives one broker down without losing an acknowledged event.
   */
  minInsyncReplicas?: number;
}

/** How many copies a topic keeps and how many must hold a write before it is acknowledged. */
export interface TopicDurability {
  replicationFactor?: number;
  minInsyncReplicas?: number;
}

/** Topic settings a service applies when it creates its topics (from its config). */
export interface TopicDefaults extends TopicDurability {
  partitions: number;
  retentionMs?: number;
  /** Dead letters wait for an operator: keep them longer than ordinary events. */
  deadLetterRetentionMs?: number;
}

/**
 * Creates the topics that do not exist yet. Idempotent: several services starting at once
 * may race to create the same topic, and "already exists" is success. An existing topic
 * is left as it is (changing partitions or retention of a live topic is an operator's call).
 *
 * A topic another process is creating at the same moment can answer metadata requests with
 * a retriable "does not host this topic-partition" / "not the leader" for a moment (kafkajs
 * gives up on it while waiting for leaders): such errors are retried a few times.
 *
 * Resolves only once the broker's metadata shows every partition of every topic with a
 * leader: "already exists" (another service won the race) says nothing about leaders, and a
 * consumer subscribing a moment too early fails its start with "does not host this
 * topic-partition".
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly TopicSpec[],
  readyTimeoutMs = TOPICS_READY_TIMEOUT_MS,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await createMissingTopics(kafka, topics);
      break;
    } catch (error) {
      if (attempt >= CREATE_ATTEMPTS || !isRetriableKafkaError(error)) throw error;
      await sleep(200 * attempt);
    }
  }
  await awaitLeaders(
    kafka,
    topics.map((topic) => topic.name),
    readyTimeoutMs,
  );
}

const CREATE_ATTEMPTS = 5;
const TOPICS_READY_TIMEOUT_MS = 30_000;

async function awaitLeaders(kafka: Kafka, names: readonly string[], timeoutMs: number): Promise<void> {
  if (names.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    for (;;) {
      let waitingFor: string;
      try {
        const metadata = await admin.fetchTopicMetadata({ topics: [...names] });
        const notReady = metadata.topics.filter(
          (topic) =>
            topic.partitions.length === 0 ||
            topic.partitions.some((partition) => partition.leader < 0 || partition.partitionErrorCode !== 0),
        );
        if (notReady.length === 0) return;
        waitingFor = `no leader yet for ${notReady.map((topic) => topic.name).join(', ')}`;
      } catch (error) {
        if (!isRetriableKafkaError(error)) throw error;
        waitingFor = (error as Error).message;
      }
      if (Date.now() >= deadline)
        throw new Error(`topics not ready after ${timeoutMs} ms (${waitingFor}): ${names.join(', ')}`);
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * A broker error worth trying again: retriable itself, or kafkajs's "retries exceeded" wrapper
 * around one (kafkajs retries LEADER_NOT_AVAILABLE and the like internally, then wraps the last
 * error in a non-retriable KafkaJSNumberOfRetriesExceeded).
 */
export function isRetriableKafkaError(error: unknown): boolean {
  for (let cause = error, depth = 0; cause !== null && typeof cause === 'object' && depth < 5; depth++) {
    if ((cause as { retriable?: unknown }).retriable === true) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The topic a name stands for, with the client's defaults; a spec keeps its own settings and
 * gets only the durability it leaves unset (every topic a service creates is as durable).
 */
export function topicSpecWithDefaults(topic: string | TopicSpec, defaults: TopicDefaults): TopicSpec {
  const durability = durabilityOf(defaults);
  if (typeof topic !== 'string') return { ...durability, ...topic };
  return {
    name: topic,
    partitions: defaults.partitions,
    ...(defaults.retentionMs === undefined ? {} : { retentionMs: defaults.retentionMs }),
    ...durability,
  };
}

/** A dead-letter topic's settings: one partition, kept longer, as durable as the rest. */
export function deadLetterTopicSettings(defaults: TopicDefaults): Omit<TopicSpec, 'name'> {
  return {
    partitions: 1,
    ...(defaults.deadLetterRetentionMs === undefined ? {} : { retentionMs: defaults.deadLetterRetentionMs }),
    ...durabilityOf(defaults),
  };
}

function durabilityOf(defaults: TopicDurability): TopicDurability {
  return {
    ...(defaults.replicationFactor === undefined ? {} : { replicationFactor: defaults.replicationFactor }),
    ...(defaults.minInsyncReplicas === undefined ? {} : { minInsyncReplicas: defaults.minInsyncReplicas }),
  };
}

/** The CreateTopics entry for a spec; unset settings are left to the broker's defaults. */
export function topicCreation(topic: TopicSpec): ITopicConfig {
  const configEntries = [
    ...(topic.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(topic.retentionMs) }]),
    ...(topic.cleanupPolicy === undefined ? [] : [{ name: 'cleanup.policy', value: topic.cleanupPolicy }]),
    ...(topic.minInsyncReplicas === undefined
      ? []
      : [{ name: 'min.insync.replicas', value: String(topic.minInsyncReplicas) }]),
  ];
  return {
    topic: topic.name,
    numPartitions: topic.partitions,
    ...(topic.replicationFactor === undefined ? {} : { replicationFactor: topic.replicationFactor }),
    configEntries,
  };
}

async function createMissingTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map(topicCreation) });
    } catch (error) {
      if (isTopicAlreadyExists(error)) return;
      throw durabilityError(error, missing) ?? error;
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * A replication factor the cluster cannot give (more than its brokers) or a min ISR above it,
 * reported with the config keys that set them: kafkajs's own message says only "Replication
 * factor is below 1 or larger than the number of available brokers". Not retriable.
 */
function durabilityError(error: unknown, topics: readonly TopicSpec[]): NonRetryableError | undefined {
  const types = errorTypesOf(error);
  const names = topics.map((topic) => topic.name).join(', ');
  const first = topics[0];
  if (types.includes('INVALID_REPLICATION_FACTOR')) {
    return new NonRetryableError(
      `cannot create ${names}: replication factor ${String(first?.replicationFactor ?? 'default')} is more than the cluster's brokers (KAFKA_REPLICATION_FACTOR; broker: ${brokerMessage(error)})`,
      { cause: error },
    );
  }
  if (types.includes('INVALID_CONFIG')) {
    return new NonRetryableError(
      `cannot create ${names}: the broker refused the topic config (min.insync.replicas ${String(first?.minInsyncReplicas ?? 'default')} from KAFKA_MIN_INSYNC_REPLICAS, retention, cleanup policy; broker: ${brokerMessage(error)})`,
      { cause: error },
    );
  }
  return undefined;
}

/** kafkajs wraps per-topic errors in "Topic creation errors": the reason is in each topic's error. */
function brokerMessage(error: unknown): string {
  const { errors } = error as { errors?: { message?: unknown }[] };
  const inner = Array.isArray(errors) ? errors.map((e) => e.message).filter((m) => typeof m === 'string') : [];
  return inner.length > 0 ? [...new Set(inner)].join('; ') : (error as Error).message;
}

function errorTypesOf(error: unknown): string[] {
  const { type, errors } = error as { type?: string; errors?: { type?: string }[] };
  return [type, ...(Array.isArray(errors) ? errors.map((e) => e.type) : [])].filter(
    (t): t is string => typeof t === 'string',
  );
}

function isTopicAlreadyExists(error: unknown): boolean {
  const { type, errors } = error as { type?: string; errors?: { type?: string }[] };
  if (type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS');
}

/** Answers when the cluster answers a metadata request; used by readiness checks. */
export async function pingCluster(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}
