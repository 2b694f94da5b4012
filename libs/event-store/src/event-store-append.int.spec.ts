import { createEvent, encodeEvent } from '@flowline/event-schemas';
import { EventStore } from './event-store';
import { listDayPartitions, migrateEventStore } from './event-store-schema';
import type { ArchivedRecord } from './record-columns';
import { eventRecord } from './test-fixtures/archived-records';
import { createTestDatabase, TestDatabase } from './test-fixtures/event-store-database';

describe('EventStore.append (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: EventStore;
  const time = new Date('2025-03-01T10:00:00.000Z');

  beforeAll(async () => {
    db = await createTestDatabase('append');
    await migrateEventStore(db.pool);
    store = new EventStore(db.pool);
  });

  afterAll(async () => {
    await db?.drop();
  });

  const countRows = async (where: string, values: unknown[] = []): Promise<number> =>
    Number(
      (await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM event_store.events WHERE ${where}`, values))
        .rows[0]?.n,
    );

  it('stores a batch once even when the same batch is appended again (a redelivery)', async () => {
    const batch = Array.from({ length: 50 }, (_, i) =>
      eventRecord({
        topic: 'idem.topic',
        offset: i,
        id: `idem-${i}`,
        type: 'test.idem',
        time,
        correlationid: 'idem-0',
      }),
    );
    expect(await store.append(batch)).toEqual({ inserted: 50 });
    expect(await store.append(batch)).toEqual({ inserted: 0 });
    expect(
      await store.append([
        ...batch.slice(40),
        eventRecord({
          topic: 'idem.topic',
          offset: 50,
          id: 'idem-50',
          type: 'test.idem',
          time,
          correlationid: 'idem-0',
        }),
      ]),
    ).toEqual({
      inserted: 1,
    });
    expect(await countRows(`topic = 'idem.topic'`)).toBe(51);
  });

  it('gives up making a new day partition behind a long reader instead of holding every insert, and makes it once the reader is done', async () => {
    const day = new Date('2025-06-15T10:00:00.000Z');
    const reader = await db.pool.connect();
    try {
      // A long report holds a share lock on the table; creating a partition needs it exclusively.
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM event_store.events');
      await expect(
        store.append([
          eventRecord({
            topic: 'late.topic',
            offset: 0,
            id: 'late-0',
            type: 'test.late',
            time: day,
            correlationid: 'late-0',
          }),
        ]),
      ).rejects.toThrow(/lock timeout/);
      // Inserts into existing partitions are not held up meanwhile.
      expect(
        await store.append([
          eventRecord({
            topic: 'late.topic',
            offset: 1,
            id: 'late-1',
            type: 'test.late',
            time,
            correlationid: 'late-1',
          }),
        ]),
      ).toEqual({ inserted: 1 });
    } finally {
      await reader.query('COMMIT');
      reader.release();
    }
    expect(
      await store.append([
        eventRecord({
          topic: 'late.topic',
          offset: 0,
          id: 'late-0',
          type: 'test.late',
          time: day,
          correlationid: 'late-0',
        }),
      ]),
    ).toEqual({ inserted: 1 });
  });

  it('stores a record whose timestamp PostgreSQL cannot hold (a producer that wrote µs), once', async () => {
    const record = {
      ...eventRecord({ topic: 'far.topic', offset: 0, id: 'far-0', type: 'test.far', time, correlationid: 'far-0' }),
      timestamp: new Date(1_732_000_000_000_000),
    };
    expect(await store.append([record])).toEqual({ inserted: 1 });
    expect(await store.append([record])).toEqual({ inserted: 0 });
    const [stored] = await store.findById('far-0');
    expect(stored?.kafkaTimestamp.toISOString()).toBe('9999-12-31T00:00:00.000Z');
    expect(stored?.headers['flowline-archived-raw-timestamp']).toBe('1732000000000000');
  });

  it('stores a record twice in one batch only once', async () => {
    const record = eventRecord({
      topic: 'dup.topic',
      offset: 7,
      id: 'dup',
      type: 'test.dup',
      time,
      correlationid: 'dup',
    });
    expect(await store.append([record, record])).toEqual({ inserted: 1 });
  });

  it('does not store secret headers', async () => {
    const record = eventRecord({
      topic: 'secret.topic',
      offset: 1,
      id: 'secret-1',
      type: 'webhook.received',
      time,
      correlationid: 'secret-1',
      headers: {
        'x-hub-signature-256': 'sha256=abc',
        authorization: 'Bearer x',
        'x-api-key': 'k',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    });
    await store.append([record]);
    const [stored] = await store.findById('secret-1');
    expect(stored?.headers).toMatchObject({ traceparent: expect.any(String), ce_id: 'secret-1' });
    expect(Object.keys(stored?.headers ?? {}).filter((name) => /signature|authorization|api-key/i.test(name))).toEqual(
      [],
    );
    const raw = await db.pool.query<{ text: string }>(
      `SELECT headers::text AS text FROM event_store.events WHERE id = 'secret-1'`,
    );
    expect(raw.rows[0]?.text).not.toMatch(/sha256=abc|Bearer/);
  });

  it('stores a JSON value as data and any other value as base64', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const json = eventRecord({
      topic: 'value.topic',
      offset: 1,
      id: 'value-json',
      type: 'test.value',
      time,
      correlationid: 'value-json',
      data: { amountMinor: 1250, currency: 'EUR' },
    });
    const binary: ArchivedRecord = {
      ...eventRecord({
        topic: 'value.topic',
        offset: 2,
        id: 'value-bin',
        type: 'test.value',
        time,
        correlationid: 'value-bin',
      }),
      value: bytes,
      key: null,
    };
    await store.append([json, binary]);
    expect((await store.findById('value-json'))[0]).toMatchObject({
      data: { amountMinor: 1250, currency: 'EUR' },
      valueBase64: null,
      key: 'value-json',
    });
    const [stored] = await store.findById('value-bin');
    expect(stored).toMatchObject({ data: null, key: null });
    expect(Buffer.from(stored?.valueBase64 ?? '', 'base64')).toEqual(bytes);
  });

  it('stores a UTF-8 value that is not JSON as base64 beside JSON values of the same batch (jsonb refuses it, the batch is checked again)', async () => {
    const json = eventRecord({
      topic: 'text.topic',
      offset: 1,
      id: 'text-json',
      type: 'test.value',
      time,
      correlationid: 'text-json',
      data: { ok: true },
    });
    const text = {
      ...eventRecord({
        topic: 'text.topic',
        offset: 2,
        id: 'text-plain',
        type: 'test.value',
        time,
        correlationid: 'text-plain',
      }),
      value: Buffer.from('{"unfinished": '),
    };
    expect(await store.append([json, text])).toEqual({ inserted: 2 });
    expect((await store.findById('text-json'))[0]).toMatchObject({
      data: { ok: true },
      valueBase64: null,
      valueText: '{"ok":true}',
    });
    expect((await store.findById('text-plain'))[0]).toMatchObject({
      data: null,
      valueBase64: Buffer.from('{"unfinished": ').toString('base64'),
      valueText: null,
    });
  });

  it('keeps every value jsonb refuses as base64, whatever the reason, and the rest of the batch as JSON (a bad value never fails its batch forever)', async () => {
    // Numbers past numeric's range: a smaller exponent before a huge one, a long fraction
    // under a large negative exponent, a fraction longer than numeric's 16,383 digits.
    const refused = ['[1e00012345, 1e200000]', `{"a": 0.${'1'.repeat(500)}e-15999}`, `[0.${'1'.repeat(17_000)}]`];
    const records = refused.map((text, i) => ({
      ...eventRecord({
        topic: 'refused.topic',
        offset: i,
        id: `refused-${i}`,
        type: 'test.value',
        time,
        correlationid: 'refused',
      }),
      value: Buffer.from(text),
    }));
    const fine = eventRecord({
      topic: 'refused.topic',
      offset: 3,
      id: 'refused-fine',
      type: 'test.value',
      time,
      correlationid: 'refused',
      data: { total: 1e300 },
    });
    expect(await store.append([...records, fine])).toEqual({ inserted: 4 });
    for (const [i, text] of refused.entries()) {
      expect((await store.findById(`refused-${i}`))[0]).toMatchObject({
        data: null,
        valueBase64: Buffer.from(text).toString('base64'),
      });
    }
    expect((await store.findById('refused-fine'))[0]).toMatchObject({ data: { total: 1e300 }, valueBase64: null });
  });

  it('stores the record at the highest offset Kafka can give, and recognises its redelivery', async () => {
    const last = eventRecord({
      topic: 'last.topic',
      offset: '9223372036854775807',
      id: 'last-1',
      type: 'test.last',
      time,
      correlationid: 'last-1',
    });
    expect(await store.append([last])).toEqual({ inserted: 1 });
    expect(await store.append([last])).toEqual({ inserted: 0 });
    expect(await countRows(`topic = 'last.topic'`)).toBe(1);
  });

  it('stores text with tabs, newlines and backslashes unchanged (COPY escapes)', async () => {
    const record = {
      ...eventRecord({
        topic: 'escape.topic',
        offset: 1,
        id: 'escape\\1',
        type: 'test.escape',
        time,
        correlationid: 'escape',
        headers: { note: 'a\tb\nc\rd\\e' },
      }),
      key: Buffer.from('k\tk'),
      value: Buffer.from('{\n\t"path": "C:\\\\in\\tbox",\r\n "line": "1\\n2"\n}'),
    };
    await store.append([record]);
    const [stored] = await store.findById('escape\\1');
    expect(stored).toMatchObject({ key: 'k\tk', data: { path: 'C:\\in\tbox', line: '1\n2' } });
    expect(stored?.headers['note']).toBe('a\tb\nc\rd\\e');
  });

  it('stores offsets beyond 2^53, times far before and after 2000 and non-ASCII text exactly', async () => {
    const record = {
      ...eventRecord({
        topic: 'exact.tópico',
        partition: 2_147_483_647,
        offset: '9223372036854775806',
        id: 'exact-€-1',
        type: 'test.exact',
        time: new Date('9999-12-31T23:59:59.999Z'),
        timestamp: new Date('1969-07-20T20:17:40.001Z'),
        correlationid: 'exact-😀',
        headers: { ce_schemaversion: '2147483647', note: 'ü\tñ\\"quoted"' },
      }),
      value: Buffer.from('{"amountMinor": 12.50e3, "name": "Zoë \\u00e9"}'),
    };
    expect(await store.append([record])).toEqual({ inserted: 1 });
    const raw = await db.pool.query<Record<string, string>>(
      `SELECT topic, partition::text, "offset"::text, to_char(kafka_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS kafka_timestamp,
              to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS time, schemaversion::text, key, correlationid, data::text AS data, headers->>'note' AS note
         FROM event_store.events WHERE id = 'exact-€-1'`,
    );
    expect(raw.rows).toEqual([
      {
        topic: 'exact.tópico',
        partition: '2147483647',
        offset: '9223372036854775806',
        kafka_timestamp: '1969-07-20 20:17:40.001000',
        time: '9999-12-31 23:59:59.999000',
        schemaversion: '2147483647',
        key: 'exact-😀',
        correlationid: 'exact-😀',
        data: '{"name": "Zoë é", "amountMinor": 12500}',
        note: 'ü\tñ\\"quoted"',
      },
    ]);
  });

  it('gives back the ce_* headers of a record that are stored only in their columns', async () => {
    const record = eventRecord({
      topic: 'headers.topic',
      offset: 1,
      id: 'headers-1',
      type: 'test.headers',
      time,
      correlationid: 'headers-0',
      causationid: 'headers-0',
    });
    await store.append([record]);
    const raw = await db.pool.query<{ headers: Record<string, string> }>(
      `SELECT headers FROM event_store.events WHERE id = 'headers-1'`,
    );
    expect(Object.keys(raw.rows[0]?.headers ?? {}).sort()).toEqual(['ce_specversion', 'content-type']);
    expect((await store.findById('headers-1'))[0]?.headers).toEqual(record.headers);
  });

  it('stores the attributes of a record encoded by the Flowline envelope', async () => {
    const cause = createEvent(
      'file.uploaded',
      {
        folder: 'in',
        path: '/in/a.pdf',
        relativePath: 'a.pdf',
        name: 'a.pdf',
        size: 10,
        sha256: 'a'.repeat(64),
        mediaType: 'application/pdf',
        modifiedAt: '2025-03-01T09:59:00.000Z',
        location: `claim:fs/sha256/${'a'.repeat(64)}`,
      },
      { source: '/file-watcher/in' },
    );
    const event = createEvent(
      'document.processed',
      { text: 'hi', metadata: {}, kind: 'invoice' },
      { source: '/document-agent', causedBy: cause, subject: 'a.pdf' },
    );
    const encoded = encodeEvent(event);
    await store.append([
      {
        topic: 'events.domain',
        partition: 0,
        offset: '1',
        timestamp: new Date(event.time),
        key: Buffer.from(encoded.key),
        value: encoded.value,
        headers: encoded.headers,
      },
    ]);
    const [stored] = await store.findById(event.id);
    expect(stored).toMatchObject({
      id: event.id,
      type: 'document.processed',
      source: '/document-agent',
      subject: 'a.pdf',
      time: new Date(event.time),
      correlationid: cause.id,
      causationid: cause.id,
      schemaversion: event.schemaversion,
      data: event.data,
    });
  });

  it('creates the day partition for records dated on a day that has none yet', async () => {
    const oldDay = new Date('2019-06-15T12:00:00.000Z');
    expect((await listDayPartitions(db.pool)).map((p) => p.name)).not.toContain('event_store.events_p20190615');
    await store.append([
      eventRecord({
        topic: 'old.topic',
        offset: 1,
        id: 'old-1',
        type: 'test.old',
        time: oldDay,
        correlationid: 'old-1',
      }),
    ]);
    expect((await listDayPartitions(db.pool)).map((p) => p.name)).toContain('event_store.events_p20190615');
    expect(await countRows(`id = 'old-1'`)).toBe(1);
  });

  it('appends a batch larger than one statement as a whole', async () => {
    const batch = Array.from({ length: 12_000 }, (_, i) =>
      eventRecord({
        topic: 'big.topic',
        partition: i % 3,
        offset: i,
        id: `big-${i}`,
        type: 'test.big',
        time: new Date(time.getTime() + i),
        correlationid: `big-${i - (i % 10)}`,
      }),
    );
    expect(await store.append(batch)).toEqual({ inserted: 12_000 });
    expect(await countRows(`topic = 'big.topic'`)).toBe(12_000);
  });

  it('finds every appearance of an event id, oldest first', async () => {
    const original = eventRecord({
      topic: 'ingress.webhook',
      offset: 100,
      id: 'multi',
      type: 'webhook.received',
      time,
      correlationid: 'multi',
    });
    const forwarded = { ...original, topic: 'agent.document', offset: '200', timestamp: new Date(time.getTime() + 30) };
    await store.append([forwarded, original]);
    expect((await store.findById('multi')).map((event) => event.topic)).toEqual(['ingress.webhook', 'agent.document']);
    expect(await store.findById('never-stored')).toEqual([]);
  });

  it('finds events by type, topic and Kafka time range, in time order, up to the limit', async () => {
    const base = new Date('2025-04-10T08:00:00.000Z');
    const records = Array.from({ length: 6 }, (_, i) =>
      eventRecord({
        topic: i % 2 === 0 ? 'find.a' : 'find.b',
        offset: i,
        id: `find-${i}`,
        type: i < 4 ? 'find.typed' : 'find.other',
        time: new Date(base.getTime() + i * 60_000),
        correlationid: 'find-0',
      }),
    );
    await store.append(records.reverse());
    const typed = await store.findEvents({ type: 'find.typed', from: base, to: new Date(base.getTime() + 3 * 60_000) });
    expect(typed.map((event) => event.id)).toEqual(['find-0', 'find-1', 'find-2']);
    expect((await store.findEvents({ topic: 'find.a' })).map((event) => event.id)).toEqual([
      'find-0',
      'find-2',
      'find-4',
    ]);
    expect(
      (await store.findEvents({ correlationId: 'find-0', limit: 2, order: 'desc' })).map((event) => event.id),
    ).toEqual(['find-5', 'find-4']);
    await expect(store.findEvents({ limit: 0 })).rejects.toThrow(RangeError);
  });
});
