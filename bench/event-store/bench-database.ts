/**
 * A throwaway PostgreSQL database for one bench run: the event store's schema name is fixed,
 * so the bench never touches a database anyone else uses.
 */
import { Pool } from 'pg';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:55432/flowline';

export interface BenchDatabase {
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

export async function createBenchDatabase(serverUrl: string, label: string, poolSize = 4): Promise<BenchDatabase> {
  const name = `flowline_bench_${label}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Pool({ connectionString: serverUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = new Pool({ connectionString: url.toString(), max: poolSize });
  pool.on('error', () => undefined); // an idle session dying at drop time is expected
  return {
    name,
    pool,
    async drop() {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
