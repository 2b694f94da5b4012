/**
 * JSON logs on stdout (pino). Every line carries what ties it to its work: `trace_id` and
 * `span_id` of the active span, and the fields bound with `withLogContext` (an event's
 * `correlationid` and `event_id` while its handler runs). Secrets are kept out: common
 * secret fields are redacted by path, `headers` lose their credentials and signatures,
 * errors and messages have URL passwords masked (see
 * secret-redaction.ts); config is redacted by key before it is logged at all.
 */
import { trace } from '@opentelemetry/api';
import pino, { DestinationStream, Logger } from 'pino';
import { errorDescription } from '@flowline/errors';
import { currentLogContext } from './log-context';
import { maskSecretsInText, REDACTED, redactHeadersWithin, redactSecrets, SECRET_LOG_PATHS } from './secret-redaction';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go; stdout unless a test captures them. */
  destination?: DestinationStream;
}

/**
 * pino's error serializer, with secrets masked in the message, the stack and any causes.
 * pino copies an error's own fields, so a FlowlineError's `code` and `retryable` are there;
 * of its causes pino keeps only the text (appended to `message` and `stack`), so the chain
 * is added as data too — `err.cause.code` is what a log query filters on.
 */
function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return redactSecrets(value);
  const serialized = pino.stdSerializers.err(value);
  const cause = value.cause === undefined ? undefined : errorDescription(value).cause;
  return redactSecrets(cause === undefined ? serialized : { ...serialized, cause });
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Any `headers` map in a line (an HTTP request's, a Kafka record's, however deep) loses
        // its credentials and signatures, whatever their names' case or scheme (isSecretHeader).
        log: (object) => redactHeadersWithin(object),
      },
      redact: { paths: [...SECRET_LOG_PATHS], censor: REDACTED },
      serializers: { err: serializeError, error: serializeError },
      hooks: {
        logMethod(args, method) {
          // Messages built from a URL (`connecting to ${url}`) must not carry its password.
          const masked = args.map((arg: unknown) => (typeof arg === 'string' ? maskSecretsInText(arg) : arg));
          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
      mixin() {
        const span = trace.getActiveSpan();
        if (span === undefined) return { ...currentLogContext() };
        const { traceId, spanId } = span.spanContext();
        return { ...currentLogContext(), trace_id: traceId, span_id: spanId };
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
