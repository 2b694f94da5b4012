/**
 * A fresh PostgreSQL database per test file: the event store's schema name is fixed, so
 * isolation is by database (dropped again in afterAll, connections and all).
 */
import { Pool } from 'pg';
import { testInfra, uniqueName, waitFor } from '@flowline/testing';

export interface TestDatabase {
  name: string;
  pool: Pool;
  /** A second pool on the same database, for concurrency tests. */
  connect(): Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const serverUrl = testInfra().DATABASE_URL;
  const name = `flowline_es_${uniqueName(label)
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()}`;
  const admin = new Pool({ connectionString: serverUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pools: Pool[] = [];
  const connect = (): Pool => {
    const pool = new Pool({ connectionString: url.toString(), max: 4 });
    pools.push(pool);
    return pool;
  };
  return {
    name,
    pool: connect(),
    connect,
    async drop() {
      await Promise.all(pools.map((pool) => pool.end()));
      // pool.end() resolves before the server has closed the sessions: a forced drop would
      // kill them mid-goodbye and surface as an unhandled error, so wait until they are gone.
      await waitFor(
        async () => {
          const sessions = await admin.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1`,
            [name],
          );
          return sessions.rows[0]?.n === '0';
        },
        { timeoutMs: 10_000, intervalMs: 20, description: `sessions on ${name} to close` },
      );
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}
