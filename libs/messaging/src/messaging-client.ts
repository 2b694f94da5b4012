import type { Kafka } from 'kafkajs';
import type { Logger, ServiceMetrics } from '@flowline/telemetry';
import { EventConsumer, EventConsumerOptions } from './event-consumer';
import { EventPublisher, PublisherOptions } from './event-publisher';
import { createKafkaClient } from './kafka-connection';
import type { ReadinessProbe } from './readiness-probe';
import { ensureTopics, pingCluster, TopicSpec } from './topic-admin';

export interface MessagingClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  metrics?: ServiceMetrics;
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
      ...options,
      logger: this.options.logger,
      ...(this.options.metrics === undefined ? {} : { metrics: this.options.metrics }),
    });
  }

  ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    return ensureTopics(this.kafka, topics);
  }

  /** A readiness check: the cluster answers a metadata request. */
  clusterReadiness(): ReadinessProbe {
    return { name: 'kafka-cluster', check: () => pingCluster(this.kafka) };
  }
}
