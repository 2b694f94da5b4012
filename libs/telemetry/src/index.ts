export { createLogger, LOG_LEVELS } from './logger';
export type { Logger, LoggerOptions, LogLevel } from './logger';
export { createServiceMetrics } from './metrics';
export type { ServiceMetrics } from './metrics';
export { startTelemetry } from './start-telemetry';
export type { Telemetry, TelemetryOptions } from './start-telemetry';
