import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** How long records are kept (Kafka `retention.ms`); the broker default when unset. */
  retentionMs?: number;
  /** `compact` keeps the latest record per key (state topics); the default `delete` ages records out. */
  cleanupPolicy?: 'delete' | 'compact';
}

/** Topic settings a service applies when it creates its topics (from its config). */
export interface TopicDefaults {
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

async function createMissingTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          configEntries: [
            ...(topic.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(topic.retentionMs) }]),
            ...(topic.cleanupPolicy === undefined ? [] : [{ name: 'cleanup.policy', value: topic.cleanupPolicy }]),
          ],
        })),
      });
    } catch (error) {
      if (!isTopicAlreadyExists(error)) throw error;
    }
  } finally {
    await admin.disconnect();
  }
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
