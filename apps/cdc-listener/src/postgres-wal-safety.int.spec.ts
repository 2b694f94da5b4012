/**
 * WAL safety on the real PostgreSQL: the heartbeat moves the slot on a database whose
 * changes are all in other tables, keepalives are answered (the connection survives a
 * 1 s wal_sender_timeout while nothing happens), and the retained WAL is measured and
 * logged as an error past its ceiling.
 */
import { topicNames } from '@flowline/event-schemas';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@flowline/testing';
import { parseLsn } from './postgres/lsn';
import { cdcListener } from './service';
import { CdcDatabase, createCdcDatabase } from './test-fixtures/cdc-database';

let db: CdcDatabase;
const running: ServiceUnderTest[] = [];
const slots: string[] = [];

beforeAll(async () => {
  db = await createCdcDatabase('cdcwal');
});

afterEach(async () => {
  for (const service of running.splice(0)) await service.stop();
  for (const slot of slots.splice(0)) await db.dropSlot(slot);
});

afterAll(async () => {
  await db.close();
});

async function startListener(env: Record<string, string>): Promise<ServiceUnderTest & { slot: string; table: string }> {
  const table = db.name('orders');
  const slot = db.name('slot');
  slots.push(slot);
  await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
  const service = await startServiceUnderTest(cdcListener, {
    env: {
      DATABASE_URL: db.url,
      CDC_TABLES: `public.${table}`,
      CDC_SLOT: slot,
      CDC_PUBLICATION: db.name('pub'),
      CDC_CONFIRM_INTERVAL_MS: '100',
      ...env,
    },
    outputs: (prefix) => [topicNames(prefix).ingressCdc],
  });
  running.push(service);
  return Object.assign(service, { slot, table });
}

async function currentWalLsn(): Promise<bigint> {
  const [row] = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return parseLsn(row?.lsn ?? '0/0');
}

describe('WAL safety', () => {
  it('moves the slot past changes to unpublished tables with its heartbeat, and publishes no heartbeat row', async () => {
    const service = await startListener({ CDC_HEARTBEAT_INTERVAL_MS: '200' });
    const other = db.name('other');
    await db.query(`CREATE TABLE ${other} (id int PRIMARY KEY, padding text)`);
    await db.query(`INSERT INTO ${other} SELECT i, repeat('x', 500) FROM generate_series(1, 2000) AS i`);
    const afterOtherWrites = await currentWalLsn();
    await waitFor(async () => parseLsn((await db.confirmedFlushLsn(service.slot)) ?? '0/0') > afterOtherWrites, {
      timeoutMs: 20_000,
      description: 'the slot to be confirmed past the unpublished changes',
    });
    const beats = await db.query<{ slot_name: string }>('SELECT slot_name FROM flowline_cdc_heartbeat');
    expect(beats.map((beat) => beat.slot_name)).toContain(service.slot);
    expect(service.probe?.messages.filter((message) => message.event?.subject?.includes('heartbeat'))).toEqual([]);
  });

  it('answers keepalives: a 1 s wal_sender_timeout does not end a quiet stream', async () => {
    await db.query(`ALTER DATABASE ${JSON.stringify(new URL(db.url).pathname.slice(1))} SET wal_sender_timeout = '1s'`);
    try {
      const service = await startListener({ CDC_HEARTBEAT_INTERVAL_MS: '0' });
      const [{ pid } = { pid: 0 }] = await db.query<{ pid: number }>(
        'SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1',
        [service.slot],
      );
      const startedAt = Date.now();
      // The server asks for a reply every 0.5 s and ends the connection after 1 s without one.
      await waitFor(
        async () => {
          const [row] = await db.query<{ reply: Date }>(
            'SELECT reply_time AS reply FROM pg_stat_replication WHERE pid = $1',
            [pid],
          );
          return row !== undefined && row.reply.getTime() > startedAt + 3_000;
        },
        { timeoutMs: 15_000, description: 'replies from the same connection 3 s after the start' },
      );
      await db.query(`INSERT INTO ${service.table} VALUES (1)`);
      await service.probe?.waitFor((message) => message.event?.subject === `public.${service.table}`);
      expect(service.logs().filter((line) => line['level'] === 'error' || line['level'] === 'fatal')).toEqual([]);
    } finally {
      await db.query(`ALTER DATABASE ${JSON.stringify(new URL(db.url).pathname.slice(1))} RESET wal_sender_timeout`);
    }
  });

  it('reports the WAL the slot retains as a gauge, and logs an error past the ceiling', async () => {
    const service = await startListener({ CDC_WAL_CHECK_INTERVAL_MS: '200', CDC_WAL_RETAINED_WARN_BYTES: '1' });
    const line = await service.waitForLog((entry) =>
      String(entry['msg']).startsWith('replication slot retains more WAL'),
    );
    expect(line).toMatchObject({ level: 'error', slot: service.slot, ceiling: 1 });
    const metrics = await (await fetch(service.url('/metrics'))).text();
    expect(metrics).toMatch(new RegExp(`flowline_cdc_slot_retained_wal_bytes\\{slot="${service.slot}"[^}]*\\} \\d+`));
  });
});
