/** Connection settings shared by the services, the tests and docker-compose. */
export interface InfraSettings {
  KAFKA_BROKERS: string;
  DATABASE_URL: string;
  MONGODB_URL: string;
  AMQP_URL: string;
}

export const loopback = '127.0.0.1';

// PostgreSQL uses 55432, not 5432: the machine runs its own cluster there.
export const ports = {
  kafka: 9092,
  kafkaController: 9093,
  /** The broker's SASL_PLAINTEXT listener (SCRAM-SHA-512 and PLAIN), for the Kafka security tests. */
  kafkaSasl: 9094,
  postgres: 55432,
  mongodb: 27017,
  rabbitmq: 5672,
} as const;

export const databaseName = 'flowline';

/** What the local servers listen on once infraUp() has returned. */
export const localSettings: InfraSettings = Object.freeze({
  KAFKA_BROKERS: `${loopback}:${ports.kafka}`,
  DATABASE_URL: `postgres://postgres@${loopback}:${ports.postgres}/${databaseName}`,
  // directConnection: the stand-in is a single server that does not answer replica-set discovery
  // the way a real replica set does; change streams still work against it.
  MONGODB_URL: `mongodb://${loopback}:${ports.mongodb}/?directConnection=true`,
  AMQP_URL: `amqp://guest:guest@${loopback}:${ports.rabbitmq}`,
});

/**
 * The local broker's one SASL user, accepted by SCRAM-SHA-512 and by PLAIN on the SASL
 * listener. A dev credential, as public as `guest:guest` for RabbitMQ.
 */
export const localKafkaSaslUser = Object.freeze({
  brokers: `${loopback}:${ports.kafkaSasl}`,
  username: 'flowline',
  password: 'flowline-local',
});
