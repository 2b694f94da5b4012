import type { Kafka } from 'kafkajs';
import type { Logger, ServiceMetrics } from '@flowline/telemetry';
import { EventConsumer, EventConsumerOptions } from './event-consumer';
import { EventPublisher, PublisherOptions } from './event-publisher';
import { RecordBatchConsumer, RecordBatchConsumerOptions } from './record-batch-consumer';
import { TopicReader } from './topic-reader';
import { createKafkaClient, KafkaSasl, KafkaTls } from './kafka-connection';
import type { ReadinessProbe } from './readiness-probe';
import {
  deadLetterTopicSettings,
  ensureTopics,
  pingCluster,
  TopicDefaults,
  TopicSpec,
  topicSpecWithDefaults,
} from './topic-admin';

export interface MessagingClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  metrics?: ServiceMetrics;
  /**
   * Applied to topics this client creates (default: 3 partitions, the broker's retention and
   * replication); the replication factor and min ISR to every topic, dead letters included.
   */
  topicDefaults?: TopicDefaults;
  /** Fail fast when no broker answers (operator commands); services leave it unset and wait. */
  connectTimeoutMs?: number;
  /** TLS to the brokers (PEM text); plaintext when unset. */
  tls?: KafkaTls;
  /** SASL authentication: PLAIN or SCRAM. */
  sasl?: KafkaSasl;
}

/** Entry point of the messaging lib: one per service, hands out publishers and consumers. */
export class MessagingClient {
  private readonly kafka: Kafka;

  constructor(private readonly options: MessagingClientOptions) {
    this.kafka = createKafkaClient(options);
  }

  createPublisher(options: PublisherOptions = {}): EventPublisher {
    return new EventPublisher(this.kafka, this.options.metrics, options);
  }

  createConsumer(options: Omit<EventConsumerOptions, 'logger' | 'metrics'>): EventConsumer {
    return new EventConsumer(this.kafka, {
      deadLetterTopic: deadLetterTopicSettings(this.topicDefaults),
      ...options,
      logger: this.options.logger,
      ...(this.options.metrics === undefined ? {} : { metrics: this.options.metrics }),
    });
  }

  /** A consumer of raw records in batches, for stages that store what they read (the event archiver). */
  createRecordConsumer(options: Omit<RecordBatchConsumerOptions, 'logger' | 'metrics'>): RecordBatchConsumer {
    return new RecordBatchConsumer(this.kafka, {
      ...options,
      logger: this.options.logger,
      ...(this.options.metrics === undefined ? {} : { metrics: this.options.metrics }),
    });
  }

  /** Reads topics without committing anything (ranges, live tail, group lag): the operator's view. */
  createTopicReader(): TopicReader {
    return new TopicReader(this.kafka, this.options.brokers, this.options.logger);
  }

  /** Creates missing topics: names get the client's topic defaults, specs their own settings plus its durability. */
  ensureTopics(topics: readonly (string | TopicSpec)[]): Promise<void> {
    const defaults = this.topicDefaults;
    return ensureTopics(
      this.kafka,
      topics.map((topic) => topicSpecWithDefaults(topic, defaults)),
    );
  }

  private get topicDefaults(): TopicDefaults {
    return this.options.topicDefaults ?? { partitions: 3 };
  }

  /** A readiness check: the cluster answers a metadata request. */
  clusterReadiness(): ReadinessProbe {
    return { name: 'kafka-cluster', check: () => pingCluster(this.kafka) };
  }
}
