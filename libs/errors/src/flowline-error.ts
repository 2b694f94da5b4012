/**
 * The base of every error Flowline code throws for a caller to act on. Callers decide from
 * two fields, never from the message text:
 * - `code`: one stable code per class (`SCHEMA_UNKNOWN`, `BROKER_UNAVAILABLE`) — what scripts,
 *   alerts, dead-letter reasons and the CLI's `flowline: <CODE>: <message>` line show;
 * - `retryable`: whether trying the same thing again may succeed. The consumer runtime
 *   retries or dead-letters on it. False unless the class (or whoever throws it) says so.
 * The failure underneath travels as the standard `cause` (ErrorOptions), so Node's inspector
 * and the logger show it too; `describe()` gives all of it as plain data.
 *
 * Modelled on platformatic/kafka's errors (a code and a retry flag on the error itself) and
 * Temporal's ApplicationFailure (`nonRetryable`), with one code per class.
 */
import { types } from 'node:util';

export interface FlowlineErrorOptions extends ErrorOptions {
  /** Whether trying again may succeed (default false). A class with a fixed answer overrides `retryable`. */
  retryable?: boolean;
}

/** An error as plain data, for a log line or the CLI. */
export interface ErrorDescription {
  code?: string;
  retryable?: boolean;
  message: string;
  cause?: ErrorDescription;
}

/** A FlowlineError as plain data: its code and retry flag are always there. */
export interface FlowlineErrorDescription extends ErrorDescription {
  code: string;
  retryable: boolean;
}

export abstract class FlowlineError extends Error {
  /** One per class, stable across releases: callers match on it. */
  abstract readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, options: FlowlineErrorOptions = {}) {
    const { retryable, ...errorOptions } = options;
    super(message, errorOptions);
    // The class name, as a built-in error has it ("SchemaUnknown: …" in a stack). Not
    // enumerable, like Error.prototype.name, so serialised errors are not cluttered with it.
    Object.defineProperty(this, 'name', { value: new.target.name, writable: true, configurable: true });
    this.retryable = retryable ?? false;
  }

  /** `{ code, retryable, message, cause? }`, causes described the same way. */
  describe(): FlowlineErrorDescription {
    return {
      code: this.code,
      retryable: this.retryable,
      message: this.message,
      ...(this.cause === undefined ? {} : { cause: describeAt(this.cause, 1) }),
    };
  }

  /** What `JSON.stringify` writes: the description (an Error's own fields would be `{}`). */
  toJSON(): FlowlineErrorDescription {
    return this.describe();
  }
}

/**
 * The stable code of an error: a FlowlineError's, or any error's string `code` (Node's
 * `ECONNREFUSED`, a PostgreSQL SQLSTATE, a FlowlineError from another copy of this lib).
 */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof FlowlineError) return error.code;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/**
 * Whether an error may be retried: its own `retryable` flag when it has one, else yes. An
 * error nobody classified is most often transient (a timeout, a dropped connection), so it
 * is retried — which is why every caller bounds its attempts: never forever.
 */
export function isRetryable(error: unknown): boolean {
  const flag = typeof error === 'object' && error !== null ? (error as { retryable?: unknown }).retryable : undefined;
  return typeof flag === 'boolean' ? flag : true;
}

/**
 * Any thrown value as plain data: `{ code?, retryable?, message, cause? }`, the code and flag
 * when it has them (see errorCode), its causes described the same way.
 */
export function errorDescription(error: unknown): ErrorDescription {
  return describeAt(error, 0);
}

/** Causes are followed this deep, so a cycle of causes cannot recurse forever. */
const MAX_CAUSES = 8;

function describeAt(value: unknown, depth: number): ErrorDescription {
  // isNativeError too: an error made in another realm (a vm context, Jest's sandbox) is no
  // instance of this realm's Error.
  if (!(value instanceof Error || types.isNativeError(value)))
    return { message: typeof value === 'string' ? value : safeText(value) };
  const code = errorCode(value);
  const flag = (value as { retryable?: unknown }).retryable;
  const deeper = value.cause !== undefined && depth < MAX_CAUSES;
  return {
    ...(code === undefined ? {} : { code }),
    ...(typeof flag === 'boolean' ? { retryable: flag } : {}),
    message: value.message || value.name,
    ...(deeper ? { cause: describeAt(value.cause, depth + 1) } : {}),
  };
}

function safeText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Node's codes for a peer that is not there (refused, reset, unreachable, not resolvable). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Flowline's own codes for "the dependency is not there" (libs/messaging's DependencyUnavailable, BrokerUnavailable). */
const UNAVAILABLE_CODES = new Set(['DEPENDENCY_UNAVAILABLE', 'BROKER_UNAVAILABLE']);

/** PostgreSQL's SQLSTATEs for a server going down: admin shutdown, crash shutdown, cannot connect now. */
const POSTGRES_SHUTTING_DOWN = new Set(['57P01', '57P02', '57P03']);

/**
 * PostgreSQL's SQLSTATEs for a server going away or not taking connections: the connection
 * exceptions of class 08 (not 08P01, a protocol violation), the shutdown ones above and 53300
 * (too many connections).
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  ...POSTGRES_SHUTTING_DOWN,
  '53300',
]);

/** node-postgres's messages for a connection that ended under it, or a client it ended for that. */
const PG_CONNECTION_LOST =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)$/;

/** The MongoDB driver's error classes for a server it cannot reach. */
const MONGO_UNREACHABLE = new Set(['MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoServerSelectionError']);

/**
 * Whether a PostgreSQL error says the server is shutting down (or ended this backend as a
 * shutdown does): 57P01, 57P02 or 57P03. A client holding something the shutdown waits for —
 * a replication connection — should let go when it sees one.
 */
export function isPostgresShuttingDown(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && POSTGRES_SHUTTING_DOWN.has(code);
}

/**
 * Whether an error (or any of its causes) says a dependency — a database, a broker, a
 * server over the network — is not there right now, rather than that this input is bad.
 * A consumer waits such a failure out instead of spending the event's attempts on it: a
 * PostgreSQL restart must not send every event in hand to the dead-letter topic.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSES && typeof current === 'object' && current !== null; depth += 1) {
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (
      typeof code === 'string' &&
      (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_CODES.has(code))
    )
      return true;
    if (typeof name === 'string' && MONGO_UNREACHABLE.has(name)) return true;
    // node-postgres says a server went away with these messages and no code.
    if (typeof message === 'string' && PG_CONNECTION_LOST.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
