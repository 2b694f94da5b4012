/**
 * Starting against the real PostgreSQL: a database that is not set up for CDC fails the
 * start with an error naming the fix, a slot that lost its place is reported as a possible
 * gap (never a silent start from now), and the optional initial snapshot.
 */
import { topicNames } from '@flowline/event-schemas';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@flowline/testing';
import { cdcListener } from './service';
import { CdcDatabase, createCdcDatabase } from './test-fixtures/cdc-database';

let db: CdcDatabase;
const running: ServiceUnderTest[] = [];
const slots: string[] = [];

beforeAll(async () => {
  db = await createCdcDatabase('cdcsetup');
});

afterEach(async () => {
  for (const service of running.splice(0)) await service.stop();
  for (const slot of slots.splice(0)) await db.dropSlot(slot);
});

afterAll(async () => {
  await db.close();
});

interface Setup {
  table: string;
  slot: string;
  env: Record<string, string>;
}

async function setup(columns = 'id int PRIMARY KEY, status text'): Promise<Setup> {
  const table = db.name('orders');
  const slot = db.name('slot');
  slots.push(slot);
  await db.query(`CREATE TABLE ${table} (${columns})`);
  return {
    table,
    slot,
    env: {
      DATABASE_URL: db.url,
      CDC_TABLES: `public.${table}`,
      CDC_SLOT: slot,
      CDC_PUBLICATION: db.name('pub'),
      CDC_CONFIRM_INTERVAL_MS: '100',
    },
  };
}

async function start(env: Record<string, string>): Promise<ServiceUnderTest> {
  const service = await startServiceUnderTest(cdcListener, {
    env,
    outputs: (prefix) => [topicNames(prefix).ingressCdc],
  });
  running.push(service);
  return service;
}

describe('a database not set up for CDC', () => {
  it('refuses wal_level=replica, naming the setting and the restart (the machine’s own PostgreSQL on 5432)', async () => {
    const { env } = await setup();
    await expect(start({ ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' })).rejects.toMatchObject({
      code: 'WAL_LEVEL_NOT_LOGICAL',
      message: expect.stringMatching(/wal_level=replica.*ALTER SYSTEM SET wal_level = logical.*restart/),
    });
  });

  it('refuses a role without the REPLICATION privilege, naming the ALTER ROLE', async () => {
    const { env } = await setup();
    const role = db.name('reader');
    await db.query(`CREATE ROLE ${role} LOGIN NOREPLICATION`);
    try {
      const url = new URL(db.url);
      url.username = role;
      await expect(start({ ...env, DATABASE_URL: url.toString() })).rejects.toMatchObject({
        code: 'REPLICATION_PRIVILEGE_MISSING',
        message: expect.stringContaining(`ALTER ROLE "${role}" WITH REPLICATION`),
      });
    } finally {
      await db.query(`DROP ROLE ${role}`);
    }
  });

  it('refuses a table whose updates PostgreSQL could not identify, and a table that does not exist', async () => {
    const { env, table } = await setup('id int, status text');
    await expect(start(env)).rejects.toMatchObject({
      code: 'TABLE_WITHOUT_REPLICA_IDENTITY',
      message: expect.stringContaining(`public.${table}`),
    });
    await expect(start({ ...env, CDC_TABLES: 'public.no_such_table' })).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
    });
  });

  it('names the SQL a hand-managed publication lacks (CDC_MANAGE_PUBLICATION=false)', async () => {
    const { env, table } = await setup();
    const publication = env['CDC_PUBLICATION'] ?? '';
    await expect(start({ ...env, CDC_MANAGE_PUBLICATION: 'false' })).rejects.toMatchObject({
      code: 'PUBLICATION_INCOMPLETE',
      message: expect.stringContaining(`CREATE PUBLICATION "${publication}" FOR TABLE "public"."${table}"`),
    });
    await db.query(`CREATE PUBLICATION ${publication} FOR TABLE ${table}`);
    await expect(start({ ...env, CDC_MANAGE_PUBLICATION: 'false' })).rejects.toMatchObject({
      code: 'PUBLICATION_INCOMPLETE',
      message: expect.stringContaining(
        `ALTER PUBLICATION "${publication}" ADD TABLE "public"."flowline_cdc_heartbeat"`,
      ),
    });
  });
});

describe('a slot that lost its place', () => {
  it('refuses to start from now when the slot is gone, and starts with a logged gap when CDC_ALLOW_NEW_SLOT=true', async () => {
    const { env, slot, table } = await setup();
    const first = await start(env);
    await db.query(`INSERT INTO ${table} VALUES (1, 'new')`);
    await first.probe?.waitFor((message) => message.event?.subject === `public.${table}`);
    await first.stop();
    await db.dropSlot(slot);

    await expect(start(env)).rejects.toMatchObject({
      code: 'POSSIBLE_GAP',
      message: expect.stringMatching(new RegExp(`slot "${slot}" is gone.*CDC_ALLOW_NEW_SLOT=true`)),
    });
    const accepted = await start({ ...env, CDC_ALLOW_NEW_SLOT: 'true' });
    expect(accepted.logs().find((line) => String(line['msg']).startsWith('POSSIBLE GAP'))).toMatchObject({
      level: 'error',
      gap: expect.stringContaining('is gone'),
    });
    await db.query(`INSERT INTO ${table} VALUES (2, 'new')`);
    await accepted.probe?.waitFor((message) => message.key?.endsWith('{"id":2}') === true);
  });

  it('refuses a slot recreated since the last confirmed position', async () => {
    const { env, slot, table } = await setup();
    const first = await start(env);
    await db.query(`INSERT INTO ${table} VALUES (1, 'new')`);
    await first.probe?.waitFor((message) => message.event?.subject === `public.${table}`);
    await first.stop();
    await db.dropSlot(slot);
    // Changes nobody streams, then a slot of the same name: it starts after them.
    await db.query(`INSERT INTO ${table} VALUES (2, 'lost')`);
    await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    await expect(start(env)).rejects.toMatchObject({
      code: 'POSSIBLE_GAP',
      message: expect.stringContaining('was recreated or moved by someone else'),
    });
  });
});

describe('the initial snapshot (CDC_SNAPSHOT=true)', () => {
  it('publishes every existing row as a snapshot event before the changes made after the slot was created', async () => {
    const { env, table } = await setup('id int PRIMARY KEY, amount numeric');
    await db.query(`INSERT INTO ${table} SELECT i, i * 1.5 FROM generate_series(1, 2500) AS i`);
    const service = await start({ ...env, CDC_SNAPSHOT: 'true' });
    await db.query(`UPDATE ${table} SET amount = 0 WHERE id = 7`);
    const update = await service.probe?.waitFor(
      (message) => message.event?.type === 'data.changed' && message.event.data.op === 'update',
    );
    const snapshot = await waitFor(() => {
      const rows = (service.probe?.messages ?? []).filter(
        (message) => message.event?.type === 'data.changed' && message.event.data.op === 'snapshot',
      );
      return rows.length >= 2500 ? rows : undefined;
    });
    expect(snapshot).toHaveLength(2500);
    expect(snapshot.find((message) => message.key?.endsWith('{"id":7}'))?.event?.data).toMatchObject({
      after: { id: 7, amount: '10.5' },
    });
    // Same row, same partition: the snapshot row is read before the update on it.
    const row7 = snapshot.find((message) => message.key === update?.key);
    expect(row7?.partition).toBe(update?.partition);
    expect(BigInt(row7?.offset ?? '0')).toBeLessThan(BigInt(update?.offset ?? '0'));
  });
});
