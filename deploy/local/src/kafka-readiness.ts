import { Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkaCoordinatorPartitions, keysCoveringEveryPartition } from './kafka-config';
import { waitUntil, type WaitOptions } from './wait-until';

// "Listening on 9092" is not "ready": right after start (and more so after a kill -9, when the
// broker recovers its logs) the group and transaction coordinators still load their partitions
// and answer COORDINATOR_LOAD_IN_PROGRESS. kafkajs must be able to join groups and run
// transactions the moment infraUp returns, so readiness exercises both on every coordinator
// partition, with a scratch topic and group/transactional ids that belong to deploy/local.

export const readyTopic = '__flowline_ready';

const readyGroups = keysCoveringEveryPartition('__flowline_ready-group', kafkaCoordinatorPartitions);
const readyTransactionalIds = keysCoveringEveryPartition('__flowline_ready-tx', kafkaCoordinatorPartitions);

function client(brokers: readonly string[]): Kafka {
  return new Kafka({
    clientId: 'flowline-local-infra',
    brokers: [...brokers],
    // The probes fail on purpose while the broker starts; kafkajs would log every attempt.
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

/** One metadata round trip: the quick check behind `infra:status`. */
export async function describeKafkaCluster(brokers: readonly string[]): Promise<string> {
  const admin = client(brokers).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller ?? 'none'}`;
  } finally {
    await admin.disconnect();
  }
}

export async function waitForKafkaReady(brokers: readonly string[], options: WaitOptions): Promise<string> {
  const deadline = Date.now() + options.timeoutMs;
  const remaining = (): WaitOptions => ({ ...options, timeoutMs: Math.max(1000, deadline - Date.now()) });
  const kafka = client(brokers);

  const detail = await waitUntil('kafka metadata', () => describeKafkaCluster(brokers), remaining());
  await withAdmin(kafka, (admin) => waitUntil('kafka scratch topic', () => ensureReadyTopic(admin), remaining()));
  await withAdmin(kafka, (admin) =>
    waitUntil(
      'kafka group coordinator',
      async () => {
        for (const groupId of readyGroups) {
          await admin.fetchOffsets({ groupId, topics: [readyTopic] });
        }
      },
      remaining(),
    ),
  );
  await waitUntil('kafka transaction coordinator', () => commitProbeTransactions(kafka), remaining());
  return detail;
}

async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function ensureReadyTopic(admin: Admin): Promise<void> {
  const existing = await admin.listTopics();
  if (!existing.includes(readyTopic)) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: readyTopic,
          numPartitions: 1,
          replicationFactor: 1,
          // Each probe leaves one small record; an hour is plenty.
          configEntries: [{ name: 'retention.ms', value: String(60 * 60 * 1000) }],
        },
      ],
    });
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [readyTopic] });
  const leaderless = metadata.topics[0]?.partitions.some((partition) => partition.leader < 0) ?? true;
  if (leaderless) throw new Error(`${readyTopic} has no leader yet`);
}

async function commitProbeTransactions(kafka: Kafka): Promise<void> {
  for (const transactionalId of readyTransactionalIds) {
    const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    try {
      await producer.connect();
      const transaction = await producer.transaction();
      try {
        await transaction.send({ topic: readyTopic, messages: [{ value: `ready ${new Date().toISOString()}` }] });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    } finally {
      await producer.disconnect();
    }
  }
}
