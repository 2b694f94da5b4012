/**
 * The PostgreSQL change stream in process, against the real PostgreSQL (wal_level=logical)
 * and Kafka: each test has its own tables, slot and publication in a scratch database, and
 * drops its slot at the end.
 */
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { ServiceUnderTest, startServiceUnderTest, testInfra, waitFor } from '@flowline/testing';
import { parseLsn } from './postgres/lsn';
import { cdcListener } from './service';
import { CdcDatabase, createCdcDatabase } from './test-fixtures/cdc-database';

let db: CdcDatabase;
const running: ServiceUnderTest[] = [];
const slots: string[] = [];

beforeAll(async () => {
  db = await createCdcDatabase('cdc');
});

afterEach(async () => {
  for (const service of running.splice(0)) await service.stop();
  for (const slot of slots.splice(0)) await db.dropSlot(slot);
});

afterAll(async () => {
  await db.close();
});

interface Names {
  table: string;
  slot: string;
  publication: string;
}

function names(): Names {
  const names = { table: db.name('orders'), slot: db.name('slot'), publication: db.name('pub') };
  slots.push(names.slot);
  return names;
}

async function startListener(
  { table, slot, publication }: Names,
  extra: Record<string, string> = {},
  tables = `public.${table}`,
): Promise<ServiceUnderTest> {
  const service = await startServiceUnderTest(cdcListener, {
    env: {
      DATABASE_URL: db.url,
      CDC_TABLES: tables,
      CDC_SLOT: slot,
      CDC_PUBLICATION: publication,
      CDC_CONFIRM_INTERVAL_MS: '100',
      ...extra,
    },
    outputs: (prefix) => [topicNames(prefix).ingressCdc],
  });
  running.push(service);
  return service;
}

type Change = FlowlineEvent<'data.changed'>;

async function setTopicConfig(topic: string, name: string, value: string): Promise<void> {
  const admin = new Kafka({ brokers: testInfra().KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name, value }] }],
    });
  } finally {
    await admin.disconnect();
  }
}

function changesOf(service: ServiceUnderTest, subject: string): Change[] {
  return (service.probe?.messages ?? [])
    .map((message) => message.event)
    .filter((event): event is Change => event?.type === 'data.changed' && event.subject === subject);
}

async function waitForChanges(service: ServiceUnderTest, subject: string, count: number): Promise<Change[]> {
  return waitFor(
    () => {
      const changes = changesOf(service, subject);
      return changes.length >= count ? changes : undefined;
    },
    { timeoutMs: 30_000, description: `${count} changes of ${subject}` },
  );
}

describe('PostgreSQL change stream', () => {
  it('publishes an insert, an update, a delete and a truncate as data.changed events', async () => {
    const n = names();
    await db.query(`CREATE TABLE ${n.table} (id bigint PRIMARY KEY, status text NOT NULL, amount numeric(12,2))`);
    const service = await startListener(n);
    await db.query(`INSERT INTO ${n.table} VALUES (1, 'new', 10.50)`);
    await db.query(`UPDATE ${n.table} SET status = 'paid' WHERE id = 1`);
    await db.query(`DELETE FROM ${n.table} WHERE id = 1`);
    await db.query(`TRUNCATE ${n.table}`);
    const subject = `public.${n.table}`;
    // The truncate's partition key is the table, the rows' is their key: across two partitions the
    // probe may read them in either order, so each change is picked by its operation.
    const changes = await waitForChanges(service, subject, 4);
    const [insert, update, remove, truncate] = (['insert', 'update', 'delete', 'truncate'] as const).map((op) =>
      changes.find((change) => change.data.op === op),
    );
    expect(changes.filter((change) => change.data.op !== 'truncate').map((change) => change.data.op)).toEqual([
      'insert',
      'update',
      'delete',
    ]);

    expect(insert?.data).toMatchObject({
      op: 'insert',
      key: { id: '1' },
      before: null,
      after: { id: '1', status: 'new', amount: '10.50' },
      source: { kind: 'postgres', schema: 'public', table: n.table },
    });
    expect(update?.data).toMatchObject({ op: 'update', key: { id: '1' }, after: { status: 'paid' } });
    expect(remove?.data).toMatchObject({ op: 'delete', key: { id: '1' }, before: null, after: null });
    expect(truncate?.data).toMatchObject({ op: 'truncate', key: {}, before: null, after: null });
    expect(insert?.partitionkey).toBe(`${subject}:{"id":"1"}`);
    expect(remove?.partitionkey).toBe(insert?.partitionkey);
    expect(truncate?.partitionkey).toBe(subject);
    expect(insert?.source).toMatch(/^\/cdc-listener\/postgres\//);
    // One transaction each: their commit LSNs grow, and each carries its transaction id.
    const lsns = [insert, update, remove, truncate].map((change) => change?.data.source);
    expect(new Set(lsns.map((source) => (source?.kind === 'postgres' ? source.transactionId : undefined))).size).toBe(
      4,
    );
  });

  it('maps column types as stated: numeric and int8 as strings, timestamptz as RFC 3339, JSON parsed, arrays, bytea base64', async () => {
    const n = names();
    await db.query(`CREATE TYPE ${n.table}_mood AS ENUM ('calm', 'busy')`);
    await db.query(`CREATE DOMAIN ${n.table}_cents AS bigint CHECK (VALUE >= 0)`);
    await db.query(
      `CREATE TABLE ${n.table} (
         id uuid PRIMARY KEY, big bigint, small smallint, exact numeric, price numeric(12,2), ratio double precision,
         odd double precision, flag boolean, at timestamptz, local_at timestamp, day date, doc jsonb, raw json,
         tags text[], grid int[][], amounts numeric[], blob bytea, mood ${n.table}_mood, cents ${n.table}_cents,
         moods ${n.table}_mood[], span interval, nothing text)`,
    );
    const service = await startListener(n);
    await db.query(
      `INSERT INTO ${n.table} VALUES (
         '0b4ba4b4-8e6b-4a7e-9d55-6a2f3c1e0d11', 9007199254740993, -7, 12345678901234567890.123456789, 10.50, 0.1,
         'NaN', true, '2024-05-02 09:21:00.123456+02', '2024-05-02 07:21:00.5', '2024-05-02',
         '{"total": {"amountMinor": 129900, "currency": "EUR"}, "lines": [1, 2]}', '{"a": 1}',
         ARRAY['a b', 'quote"d', NULL, 'back\\slash', ''], '{{1,2},{3,4}}', '{1.10,NULL,-2}', '\\x00ff10',
         'busy', 250, '{calm,busy}', '1 day 02:00:00', NULL)`,
    );
    const [insert] = await waitForChanges(service, `public.${n.table}`, 1);
    expect(insert?.data.after).toEqual({
      id: '0b4ba4b4-8e6b-4a7e-9d55-6a2f3c1e0d11',
      big: '9007199254740993',
      small: -7,
      exact: '12345678901234567890.123456789',
      price: '10.50',
      ratio: 0.1,
      odd: 'NaN',
      flag: true,
      at: '2024-05-02T07:21:00.123456Z',
      local_at: '2024-05-02T07:21:00.5',
      day: '2024-05-02',
      doc: { total: { amountMinor: 129900, currency: 'EUR' }, lines: [1, 2] },
      raw: { a: 1 },
      tags: ['a b', 'quote"d', null, 'back\\slash', ''],
      grid: [
        [1, 2],
        [3, 4],
      ],
      amounts: ['1.10', null, '-2'],
      blob: Buffer.from([0x00, 0xff, 0x10]).toString('base64'),
      mood: 'busy',
      cents: '250',
      moods: ['calm', 'busy'],
      span: 'P1DT2H',
      nothing: null,
    });
    expect(insert?.data.key).toEqual({ id: '0b4ba4b4-8e6b-4a7e-9d55-6a2f3c1e0d11' });
  });

  it('marks an unchanged TOASTed column unavailable instead of sending a placeholder, and fills it under REPLICA IDENTITY FULL', async () => {
    const n = names();
    const full = db.name('orders_full');
    // Random hex does not compress, so 8 kB is stored out of line (TOASTed).
    const large = `'${'x'.repeat(0)}' || (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 256))`;
    await db.query(`CREATE TABLE ${n.table} (id int PRIMARY KEY, status text, notes text)`);
    await db.query(`CREATE TABLE ${full} (id int PRIMARY KEY, status text, notes text)`);
    await db.query(`ALTER TABLE ${full} REPLICA IDENTITY FULL`);
    const service = await startListener(n, {}, `public.${n.table},public.${full}`);
    for (const table of [n.table, full]) {
      await db.query(`INSERT INTO ${table} VALUES (1, 'new', ${large})`);
      await db.query(`UPDATE ${table} SET status = 'paid' WHERE id = 1`);
    }
    const [inserted, updated] = await waitForChanges(service, `public.${n.table}`, 2);
    const notes = inserted?.data.after?.['notes'];
    expect(typeof notes === 'string' && notes.length).toBe(8192);
    expect(updated?.data).toMatchObject({ op: 'update', before: null, unavailable: ['notes'] });
    expect(updated?.data.after).toEqual({ id: 1, status: 'paid' });

    const [, updatedFull] = await waitForChanges(service, `public.${full}`, 2);
    expect(updatedFull?.data.unavailable).toBeUndefined();
    expect(updatedFull?.data.before).toEqual({ id: 1, status: 'new', notes: expect.any(String) });
    expect(updatedFull?.data.after).toEqual({ id: 1, status: 'paid', notes: updatedFull?.data.before?.['notes'] });
    // The primary key, not every column REPLICA IDENTITY FULL flags, identifies the row.
    expect(updatedFull?.data.key).toEqual({ id: 1 });
  });

  it('names the old key when an update changes the key', async () => {
    const n = names();
    await db.query(`CREATE TABLE ${n.table} (id int PRIMARY KEY, status text)`);
    const service = await startListener(n);
    await db.query(`INSERT INTO ${n.table} VALUES (1, 'new')`);
    await db.query(`UPDATE ${n.table} SET id = 2 WHERE id = 1`);
    const [, moved] = await waitForChanges(service, `public.${n.table}`, 2);
    expect(moved?.data).toMatchObject({ op: 'update', key: { id: 2 }, previousKey: { id: 1 } });
  });

  it('resumes after a restart from the confirmed position: changes made while it was down arrive, none before them twice', async () => {
    const n = names();
    await db.query(`CREATE TABLE ${n.table} (id int PRIMARY KEY)`);
    const first = await startListener(n);
    await db.query(`INSERT INTO ${n.table} SELECT generate_series(1, 5)`);
    const before = await waitForChanges(first, `public.${n.table}`, 5);
    await first.stop();
    await db.released(n.slot);
    const confirmed = await db.confirmedFlushLsn(n.slot);
    const recorded = await db.query<{ lsn: string }>(
      'SELECT confirmed_lsn::text AS lsn FROM flowline_cdc_position WHERE slot_name = $1',
      [n.slot],
    );
    // Recorded first, then confirmed: the slot never gets ahead of the record.
    expect(recorded[0]?.lsn).toBe(confirmed);
    // A stop confirms what Kafka acknowledged: the restart does not stream those changes again.
    const commitLsn = before[0]?.data.source.kind === 'postgres' ? before[0].data.source.lsn : '';
    expect(parseLsn(confirmed ?? '0/0')).toBeGreaterThan(parseLsn(commitLsn));

    await db.query(`INSERT INTO ${n.table} SELECT generate_series(6, 10)`);
    const second = await startListener(n, { FLOWLINE_TOPIC_PREFIX: first.prefix });
    const changes = await waitForChanges(second, `public.${n.table}`, 10);
    const ids = changes.map((change) => Number(change.data.key['id']));
    expect(ids.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('streams again in process when its replication connection is cut, with events in flight and a transaction open: every row arrives, it never fails, and it is ready again', async () => {
    const n = names();
    await db.query(`CREATE TABLE ${n.table} (id int PRIMARY KEY)`);
    // Few events in flight: a large transaction keeps the reading loop waiting for Kafka's room.
    const service = await startListener(n, { CDC_MAX_IN_FLIGHT: '5' });
    const subject = `public.${n.table}`;
    const seen = () => new Set(changesOf(service, subject).map((change) => Number(change.data.key['id'])));
    const walSender = async () =>
      (
        await db.query<{ pid: number | null }>(
          'SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1',
          [n.slot],
        )
      )[0]?.pid ?? null;
    // What a PostgreSQL restart or a network cut does to the listener's side: the WAL sender ends.
    let lastSender: number | null = null;
    const cut = async () => {
      const pid = await waitFor(
        async () => {
          const current = await walSender();
          return current !== null && current !== lastSender ? current : undefined;
        },
        { description: 'a (new) WAL sender streaming the slot' },
      );
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      lastSender = pid;
    };
    await db.query(`INSERT INTO ${n.table} SELECT generate_series(1, 5)`);
    await waitForChanges(service, subject, 5);

    // A transaction open across the cut, and 1000 rows in one transaction being published at it.
    const open = new pg.Client({ connectionString: db.url });
    await open.connect();
    try {
      await open.query('BEGIN');
      await open.query(`INSERT INTO ${n.table} SELECT generate_series(2001, 2010)`);
      await db.query(`INSERT INTO ${n.table} SELECT generate_series(6, 1005)`);
      await waitFor(() => seen().size > 20 || undefined, { description: 'the large transaction under way' });
      const inFlight = 1005 - seen().size;
      await cut();
      await open.query('COMMIT');
      expect(inFlight).toBeGreaterThan(0);
    } finally {
      await open.end();
    }
    await service.waitForLog((line) => line['msg'] === 'streaming again after the replication connection was lost');
    // And once more, with rows committed while it has no connection.
    await cut();
    await db.query(`INSERT INTO ${n.table} SELECT generate_series(3001, 3005)`);

    const expected = [
      ...Array.from({ length: 1005 }, (_, i) => i + 1),
      ...Array.from({ length: 10 }, (_, i) => i + 2001),
      ...Array.from({ length: 5 }, (_, i) => i + 3001),
    ];
    const ids = await waitFor(() => (seen().size === expected.length ? seen() : undefined), {
      timeoutMs: 60_000,
      description: `all ${expected.length} rows`,
    });
    expect([...ids].sort((a, b) => a - b)).toEqual(expected);
    await waitFor(async () => (await fetch(service.url('/readyz'))).status === 200, { description: 'ready again' });
    expect(service.logs().filter((line) => line['msg'] === 'PostgreSQL change stream failed')).toEqual([]);
    const restreamed = service
      .logs()
      .filter((line) => line['msg'] === 'streaming again after the replication connection was lost');
    expect(restreamed.length).toBeGreaterThanOrEqual(2);
  });

  it('never confirms a change Kafka refused: the listener stops, and a restart delivers it', async () => {
    const n = names();
    await db.query(`CREATE TABLE ${n.table} (id int PRIMARY KEY, padding text)`);
    const first = await startListener(n, { CDC_HEARTBEAT_INTERVAL_MS: '0' });
    await db.query(`INSERT INTO ${n.table} VALUES (1, 'fits')`);
    await waitForChanges(first, `public.${n.table}`, 1);
    const topic = topicNames(first.prefix).ingressCdc;
    await setTopicConfig(topic, 'max.message.bytes', '200');
    const [{ lsn: beforeRefused } = { lsn: '' }] = await db.query<{ lsn: string }>(
      'SELECT pg_current_wal_lsn()::text AS lsn',
    );
    await db.query(`INSERT INTO ${n.table} VALUES (2, repeat('x', 1000))`);
    const failure = await first.service.failure;
    expect(failure.message).toMatch(/Kafka did not take a change/);
    // Row 2's transaction ends after beforeRefused: the slot was not confirmed past it.
    expect(parseLsn((await db.confirmedFlushLsn(n.slot)) ?? '0/0')).toBeLessThanOrEqual(parseLsn(beforeRefused));

    await setTopicConfig(topic, 'max.message.bytes', '1048588');
    const second = await startListener(n, { FLOWLINE_TOPIC_PREFIX: first.prefix, CDC_HEARTBEAT_INTERVAL_MS: '0' });
    await second.probe?.waitFor((message) => message.key === `public.${n.table}:{"id":2}`);
  });
});
