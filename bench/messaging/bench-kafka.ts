/**
 * The bench's Kafka handles: the runtime under test (`MessagingClient`) and a bare kafkajs
 * client for the baselines and the measuring consumers. The bench is the one place outside
 * libs/messaging that imports kafkajs, on purpose: a baseline must not run through the code
 * it is compared with.
 *
 * Every topic and group of a run carries the prefix `bench-<timestamp>-`, so runs never see
 * each other's events and `cleanUp` removes exactly what this run created.
 */
import { Admin, Kafka, logLevel, ProducerConfig } from 'kafkajs';
import { MessagingClient } from '@flowline/messaging';
import { createLogger, createServiceMetrics } from '@flowline/telemetry';

/**
 * The baselines' producer: the runtime publisher's settings (libs/messaging event-publisher.ts),
 * idempotent, one request in flight, unbounded retries, so only the way of sending differs.
 */
export const BASELINE_PRODUCER: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
};

export class BenchKafka {
  readonly messaging: MessagingClient;
  /** Bare kafkajs, for the baselines and the measuring consumers. */
  readonly kafka: Kafka;
  readonly prefix: string;
  private admin: Admin | undefined;

  constructor(
    readonly brokers: readonly string[],
    startedAt: Date,
  ) {
    this.prefix = `bench-${startedAt.getTime()}-`;
    // With the metrics every service records (per-event counters and handler histogram): they are part of the runtime's cost.
    this.messaging = new MessagingClient({
      brokers,
      clientId: 'bench',
      logger: createLogger({ service: 'bench', level: 'warn' }),
      metrics: createServiceMetrics('bench'),
    });
    // The same client retry settings as the runtime's (libs/messaging kafka-connection.ts).
    this.kafka = new Kafka({
      clientId: 'bench-baseline',
      brokers: [...brokers],
      logLevel: logLevel.WARN,
      retry: { initialRetryTime: 100, retries: 8 },
    });
  }

  name(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  /** Creates the topics through the runtime's own `ensureTopics`. */
  createTopics(names: readonly string[], partitions: number): Promise<void> {
    return this.messaging.ensureTopics(names.map((name) => ({ name, partitions })));
  }

  /** Sum over partitions of the group's committed offsets on `topic` (0 for a partition without one). */
  async committedTotal(groupId: string, topic: string): Promise<number> {
    const [offsets] = await (await this.connectedAdmin()).fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
  }

  /** Sum over partitions of the topic's high watermarks (for a transactional topic this counts commit markers too). */
  async highWatermarkTotal(topic: string): Promise<number> {
    const offsets = await (await this.connectedAdmin()).fetchTopicOffsets(topic);
    return offsets.reduce((sum, { high }) => sum + Number(high), 0);
  }

  /** Deletes one (empty) consumer group, so a service whose group name is fixed can read a topic again from its start. */
  async deleteGroup(groupId: string): Promise<void> {
    await (await this.connectedAdmin()).deleteGroups([groupId]);
  }

  /** Deletes every topic and consumer group of this run; answers what it deleted. */
  async cleanUp(): Promise<{ topics: string[]; groups: string[] }> {
    const admin = await this.connectedAdmin();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(this.prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    const groups = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((id) => id.startsWith(this.prefix));
    if (groups.length > 0) await admin.deleteGroups(groups);
    return { topics, groups };
  }

  async stop(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin === undefined) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}

/**
 * Quiet kafkajs's one-off notices so the bench's table stays readable (its negative-timer
 * warning is dropped by libs/messaging wherever a Kafka client is made).
 */
export function quietKafkajsNoise(): void {
  // kafkajs 2 warns once per producer that its default partitioner changed in 2.0; the bench has no older data to match.
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
}
