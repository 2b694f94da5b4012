/**
 * A PostgreSQL database of its own for one test file, so tests that use fixed schema names
 * (the event store's `event_store` schema) can run in parallel and leave nothing behind.
 */
import pg from 'pg';
import { uniqueName } from './unique-names';

export interface ScratchDatabase {
  /** DATABASE_URL of the new database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(serverUrl: string, label = 'scratch'): Promise<ScratchDatabase> {
  const name = uniqueName(label)
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
