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
 */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<void> {
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
