export { baseServiceConfig, kafkaSettings, configFields, ConfigError, loadConfig, withExample } from './config';
export type { BaseServiceConfig } from './config';
export type { ReadinessCheck } from './ops-server';
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
