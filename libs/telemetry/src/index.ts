export { currentLogContext, withLogContext } from './log-context';
export type { LogContext } from './log-context';
export { createLogger, LOG_LEVELS } from './logger';
export type { Logger, LoggerOptions, LogLevel } from './logger';
export { MESSAGING_SYSTEM_KAFKA, MessagingAttribute, MessagingOperation } from './messaging-attributes';
export { createServiceMetrics } from './metrics';
export type { ServiceMetrics } from './metrics';
export {
  isSecretHeader,
  isSecretKey,
  maskSecretsInText,
  REDACTED,
  redactHeaders,
  redactSecrets,
  SECRET_LOG_PATHS,
} from './secret-redaction';
export { startTelemetry } from './start-telemetry';
export type { Telemetry, TelemetryOptions } from './start-telemetry';
export { extractTraceContext, FLOWLINE_TRACER_NAME, getTracer, injectTraceHeaders } from './trace-propagation';
