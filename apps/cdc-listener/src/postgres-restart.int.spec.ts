/**
 * The listener against a PostgreSQL server of its own (deploy/local's throwaway instance, since
 * stopping the shared one would break the other test files), shut down the way an operator or
 * a package upgrade does it — `pg_ctl stop -m fast` — and started again while the listener runs.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { postgresInstance, type PostgresInstance } from '@flowline/local-infra';
import { freePort, ServiceUnderTest, startServiceUnderTest, waitFor } from '@flowline/testing';
import { cdcListener } from './service';

let dir = '';
let server: PostgresInstance | undefined;
let listener: ServiceUnderTest | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowline-cdc-restart-'));
  // The server runs as its own OS user, which must reach the directory.
  chmodSync(dir, 0o755);
  server = postgresInstance({ dir, port: await freePort() });
  await server.start();
}, 180_000);

afterAll(async () => {
  await listener?.stop();
  await server?.stop('immediate').catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** One statement on a connection of its own (the server restarts between statements). */
async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

const idleConnections = async (url: string): Promise<number> =>
  (
    await query<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'flowline-cdc-listener' AND backend_type = 'client backend'`,
    )
  )[0]?.n ?? 0;

// How the listener learns that the server is going down: a connection of its pool is terminated
// (the fast shutdown ends every client backend), or, with none open, the server asks it for its
// position once it has sent everything, and recording that position is refused.
it.each([
  ['an idle connection of its pool is terminated', { CDC_HEARTBEAT_INTERVAL_MS: '1000' }, false],
  [
    'the server asks for its position while no connection of its pool is open',
    { CDC_HEARTBEAT_INTERVAL_MS: '0', CDC_WAL_CHECK_INTERVAL_MS: '3600000' },
    true,
  ],
])(
  'lets PostgreSQL shut down cleanly (fast) while it streams (%s), streams again once the server is back, and loses nothing',
  async (_how, env, noPoolConnection) => {
    const postgres = server as PostgresInstance;
    const table = `orders_${noPoolConnection ? 'asked' : 'pooled'}`;
    await query(postgres.url, `CREATE TABLE ${table} (id int PRIMARY KEY)`);
    const service = await startServiceUnderTest(cdcListener, {
      env: {
        DATABASE_URL: postgres.url,
        CDC_TABLES: `public.${table}`,
        CDC_SLOT: `${table}_slot`,
        CDC_PUBLICATION: `${table}_pub`,
        CDC_CONFIRM_INTERVAL_MS: '100',
        ...env,
      },
      outputs: (prefix) => [topicNames(prefix).ingressCdc],
    });
    listener = service;
    const ids = () =>
      new Set(
        (service.probe?.messages ?? [])
          .map((message) => message.event)
          .filter((event): event is FlowlineEvent<'data.changed'> => event?.type === 'data.changed')
          .map((event) => Number(event.data.key['id'])),
      );
    await query(postgres.url, `INSERT INTO ${table} SELECT generate_series(1, 5)`);
    await waitFor(() => ids().size === 5, { timeoutMs: 30_000, description: 'the first five rows' });
    if (noPoolConnection) {
      // pg-pool closes a connection idle for 10 s.
      await waitFor(async () => (await idleConnections(postgres.url)) === 0 || undefined, {
        timeoutMs: 30_000,
        description: 'the pool to close its idle connections',
      });
    }

    // A fast shutdown waits for every WAL sender's client to confirm the end of WAL: a listener
    // that kept its replication connection open through it would hold the server up until
    // pg_ctl's timeout (this rejects then).
    await postgres.stop('fast', 30);
    await postgres.start();
    await query(postgres.url, `INSERT INTO ${table} SELECT generate_series(6, 10)`);

    await waitFor(() => ids().size === 10, { timeoutMs: 60_000, description: 'all ten rows' });
    expect([...ids()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await waitFor(async () => (await fetch(service.url('/readyz'))).status === 200, { description: 'ready again' });
    const messages = service.logs().map((line) => line['msg']);
    expect(messages).not.toContain('PostgreSQL change stream failed');
    // It left because it saw the shutdown (not because the server ended the stream), by the named signal.
    const lost = service
      .logs()
      .find((line) => line['msg'] === 'the replication stream was lost; streaming again from the confirmed position');
    expect((lost?.['err'] as { message?: string } | undefined)?.message).toMatch(/^PostgreSQL is shutting down/);
    if (noPoolConnection) expect(messages).toContain('could not confirm the position the server asked for');
    await service.stop();
    listener = undefined;
  },
  240_000,
);
