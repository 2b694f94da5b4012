/**
 * A PostgreSQL pool that survives its server going away. node-postgres reports a dropped
 * connection as an 'error' event, and an 'error' event nobody listens to ends the process:
 * the pool listens for its idle clients, but while a client is lent out (between two
 * statements of a transaction, say) pg-pool takes its listener off and leaves the caller
 * to add one. Every client here gets its own for life, so a PostgreSQL restart fails the
 * work in hand (the query in flight rejects; the caller retries) instead of the service.
 */
import type { Pool, PoolConfig } from 'pg';
import type { Logger } from '@flowline/telemetry';

export interface PostgresPoolConfig extends PoolConfig {
  /**
   * Bounds each connection attempt and each query (connectionTimeoutMillis, query_timeout), so
   * an outage shows as failed attempts, retried, rather than a hang. Unset: no bound.
   */
  timeoutMs?: number;
}

export function createPostgresPool(config: PostgresPoolConfig, logger: Logger, what = 'database'): Pool {
  // Loaded here, not at import: OpenTelemetry instruments pg only if it is loaded after the SDK
  // started (the service runtime's index loads no instrumented module).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately late, after startTelemetry
  const pg = require('pg') as typeof import('pg');
  const { timeoutMs, ...poolConfig } = config;
  const pool = new pg.Pool(
    timeoutMs === undefined
      ? poolConfig
      : { ...poolConfig, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs },
  );
  // The pool re-emits an idle client's error: listened to (else the process ends), logged once
  // below by the client's own listener.
  pool.on('error', () => undefined);
  pool.on('connect', (client) =>
    client.on('error', (error) =>
      logger.warn(
        { err: error },
        `a ${what} connection failed; it is replaced, and the work on it fails and is retried`,
      ),
    ),
  );
  return pool;
}
