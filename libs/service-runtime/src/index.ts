export {
  baseServiceConfig,
  configFields,
  ConfigError,
  crossKeyProblems,
  KAFKA_SASL_MECHANISMS,
  kafkaConnection,
  kafkaSettings,
  loadConfig,
  resolveSecretFiles,
  withExample,
} from './config';
export type { BaseServiceConfig, KafkaClientSettings } from './config';
export type { ReadinessCheck } from './ops-server';
export { createPostgresPool } from './postgres-pool';
export type { PostgresPoolConfig } from './postgres-pool';
export { runService, startService } from './run-service';
export type {
  Component,
  RunningService,
  ServiceContext,
  ServiceDefinition,
  ServiceLoader,
  ServiceParts,
  ServiceState,
  StartServiceOptions,
} from './run-service';
export { withTimeout } from './with-timeout';
