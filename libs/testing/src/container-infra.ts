/**
 * The testcontainers path: real Kafka (KRaft), PostgreSQL with wal_level=logical, a MongoDB
 * replica set and RabbitMQ in containers. Used where a container runtime is reachable (a
 * laptop or CI with Docker); the machines Flowline is developed on have none, so there the
 * local infrastructure (deploy/local) is used instead.
 */
import { getContainerRuntimeClient } from 'testcontainers';
import { KafkaContainer } from '@testcontainers/kafka';
import { MongoDBContainer } from '@testcontainers/mongodb';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { RabbitMQContainer } from '@testcontainers/rabbitmq';
import type { InfraSettings } from './infra-settings';

export interface StartedInfra {
  settings: InfraSettings;
  stop(): Promise<void>;
}

/** True when testcontainers finds a Docker-compatible runtime that answers. */
export async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function startContainerInfra(): Promise<StartedInfra> {
  const [kafka, postgres, mongo, rabbit] = await Promise.all([
    new KafkaContainer('confluentinc/cp-kafka:7.9.1').withKraft().start(),
    new PostgreSqlContainer('postgres:15')
      .withDatabase('flowline')
      .withCommand([
        'postgres',
        '-c',
        'wal_level=logical',
        '-c',
        'max_replication_slots=10',
        '-c',
        'max_wal_senders=10',
      ])
      .start(),
    new MongoDBContainer('mongo:7').start(),
    new RabbitMQContainer('rabbitmq:3-management').start(),
  ]);
  return {
    settings: {
      // The Kafka module advertises its host listener on the mapped port of 9093.
      KAFKA_BROKERS: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
      DATABASE_URL: postgres.getConnectionUri(),
      MONGODB_URL: `${mongo.getConnectionString()}?directConnection=true`,
      AMQP_URL: rabbit.getAmqpUrl(),
    },
    async stop() {
      await Promise.all([kafka.stop(), postgres.stop(), mongo.stop(), rabbit.stop()]);
    },
  };
}
