import { InvalidArchivedRecord } from './errors';
import {
  ArchivedRecord,
  isSecretHeader,
  RAW_TIMESTAMP_HEADER,
  recordColumns,
  UNPLACEABLE_TIMESTAMP,
} from './record-columns';

function record(fields: Partial<ArchivedRecord> = {}): ArchivedRecord {
  return {
    topic: 'ingress.webhook',
    partition: 2,
    offset: '41',
    timestamp: new Date('2025-03-01T10:00:00.123Z'),
    key: Buffer.from('order-7'),
    value: Buffer.from('{"total":12}'),
    headers: {
      ce_id: 'e-1',
      ce_type: 'webhook.received',
      ce_source: '/webhook-gateway/github',
      ce_subject: 'repo/flowline',
      ce_time: '2025-03-01T10:00:00.120456Z',
      ce_correlationid: 'c-1',
      ce_causationid: 'p-1',
      ce_schemaversion: '3',
      ce_specversion: '1.0',
    },
    ...fields,
  };
}

describe('recordColumns', () => {
  it('reads the CloudEvent attributes from the binary-mode ce_* headers', () => {
    expect(recordColumns(record())).toMatchObject({
      id: 'e-1',
      type: 'webhook.received',
      source: '/webhook-gateway/github',
      subject: 'repo/flowline',
      time: '2025-03-01T10:00:00.120Z',
      correlationid: 'c-1',
      causationid: 'p-1',
      schemaversion: 3,
      topic: 'ingress.webhook',
      partition: 2,
      offset: '41',
      kafkaTimestamp: '2025-03-01T10:00:00.123Z',
      key: 'order-7',
    });
  });

  it('takes the event id as correlation id when the event has no correlationid extension, as decoding does', () => {
    const { ce_correlationid: _omitted, ...headers } = record().headers;
    expect(recordColumns(record({ headers })).correlationid).toBe('e-1');
  });

  it('stores the ce_* attributes once, in their columns, and keeps in headers only what a column cannot give back', () => {
    const columns = recordColumns(record({ headers: { ...record().headers, traceparent: '00-abc-def-01' } }));
    // ce_time had microseconds (the column keeps milliseconds); ce_specversion has no column.
    expect(JSON.parse(columns.headers)).toEqual({
      ce_time: '2025-03-01T10:00:00.120456Z',
      ce_specversion: '1.0',
      traceparent: '00-abc-def-01',
    });
    const canonical = recordColumns(
      record({ headers: { ...record().headers, ce_time: '2025-03-01T10:00:00.120Z', ce_schemaversion: '03' } }),
    );
    expect(JSON.parse(canonical.headers)).toEqual({ ce_schemaversion: '03', ce_specversion: '1.0' });
  });

  it("takes a canonical ce_time as it is exactly when JavaScript's calendar gives the same text back, and keeps any other in headers", () => {
    const candidates: string[] = [];
    for (const year of ['0001', '1900', '2000', '2023', '2024', '2100', '9999']) {
      for (let month = 0; month <= 13; month++) {
        for (const day of [0, 1, 28, 29, 30, 31, 32]) {
          candidates.push(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T12:30:45.678Z`);
        }
      }
    }
    candidates.push(
      '2024-05-05T23:59:59.999Z',
      '2024-05-05T24:00:00.000Z',
      '2024-05-05T12:60:00.000Z',
      '2024-05-05T12:00:60.000Z',
    );
    for (const text of candidates) {
      const columns = recordColumns(record({ headers: { ...record().headers, ce_time: text } }));
      const parsed = new Date(text);
      const roundTrips = !Number.isNaN(parsed.getTime()) && parsed.toISOString() === text;
      expect({ text, keptAsIs: columns.time === text }).toEqual({ text, keptAsIs: roundTrips });
      // Whatever the column holds, the header's exact text can be given back.
      if (columns.time !== text)
        expect({ text, header: (JSON.parse(columns.headers) as Record<string, unknown>)['ce_time'] }).toEqual({
          text,
          header: text,
        });
    }
  });

  it('marks a missing ce_correlationid in the headers, since its column then holds the event id', () => {
    const { ce_correlationid: _omitted, ...headers } = record().headers;
    expect(JSON.parse(recordColumns(record({ headers })).headers)).toMatchObject({ ce_correlationid: null });
  });

  it('leaves attributes null for a record without CloudEvent headers (an undecodable dead letter)', () => {
    const columns = recordColumns(record({ headers: { 'flowline-dlq-reason': 'not a CloudEvent' } }));
    expect(columns).toMatchObject({ id: null, type: null, time: null, correlationid: null, schemaversion: null });
    expect(JSON.parse(columns.headers)).toEqual({ 'flowline-dlq-reason': 'not a CloudEvent' });
  });

  it.each([
    'X-Hub-Signature-256',
    'stripe-signature',
    'webhook-signature',
    'Authorization',
    'x-api-key',
    'X-API_KEY',
    'apikey',
    'cookie',
    'set-cookie',
    'x-client-secret',
    'refresh-token',
    'password',
  ])('never stores the header %s', (name) => {
    expect(isSecretHeader(name)).toBe(true);
    const columns = recordColumns(
      record({ headers: { 'content-type': 'application/json', [name]: 'sensitive', traceparent: '00-abc-def-01' } }),
    );
    expect(JSON.parse(columns.headers)).toEqual({ 'content-type': 'application/json', traceparent: '00-abc-def-01' });
  });

  it('hands jsonb the value’s text to judge, and keeps as base64 what cannot be JSON jsonb holds', () => {
    expect(recordColumns(record())).toMatchObject({ data: '{"total":12}', valueBase64: null });
    expect(recordColumns(record({ value: Buffer.from('"text"') }))).toMatchObject({
      data: '"text"',
      valueBase64: null,
    });
    // Not JSON, but UTF-8: jsonb refuses it when the batch is written, and EventStore.append
    // keeps it as base64 then (event-store-append.int.spec.ts).
    expect(recordColumns(record({ value: Buffer.from('plain text') }))).toMatchObject({
      data: 'plain text',
      valueBase64: null,
    });
    expect(recordColumns(record({ value: null }))).toMatchObject({ data: null, valueBase64: null });
    const binary = Buffer.from([0xff, 0x00, 0x10]);
    expect(recordColumns(record({ value: binary }))).toMatchObject({
      data: null,
      valueBase64: binary.toString('base64'),
    });
    for (const text of ['null', ' null ']) {
      expect(recordColumns(record({ value: Buffer.from(text) }))).toMatchObject({
        data: null,
        valueBase64: Buffer.from(text).toString('base64'),
      });
    }
  });

  it('keeps JSON that PostgreSQL jsonb would refuse as base64 rather than failing the batch', () => {
    for (const text of ['{"a":"\\u0000"}', '{"a":"\\ud800"}', '{"a":1e999999}', '[1e00012345, 2.5E+999999]']) {
      expect(recordColumns(record({ value: Buffer.from(text) }))).toMatchObject({
        data: null,
        valueBase64: Buffer.from(text).toString('base64'),
      });
    }
  });

  it('stores as jsonb a value whose hashes and ids look like huge exponents inside their strings', () => {
    for (const text of [
      '{"sha256":"9f03e81234ab5c","relativePath":"invoice-3e81234.pdf"}',
      '{"id":"a1b2c3d4-12e4-4567-89ab-123e45678901","lsn":"0/3E812345"}',
      '{"n":1.5e12345.5}',
    ]) {
      expect(recordColumns(record({ value: Buffer.from(text) }))).toMatchObject({ data: text, valueBase64: null });
    }
    expect(recordColumns(record({ value: Buffer.from('{"a":-1.5E+99999}') }))).toMatchObject({ data: null });
  });

  it('rewrites escaped surrogate pairs that jsonb accepts only as characters, and keeps the original text for replay', () => {
    const columns = recordColumns(record({ value: Buffer.from('{"emoji":"\\ud83d\\ude00"}') }));
    expect(columns.data).toBe('{"emoji":"😀"}');
    expect(columns.valueText).toBe('{"emoji":"\\ud83d\\ude00"}');
  });

  it('keeps a JSON value’s exact text beside what jsonb gets, and none for values kept as base64', () => {
    // jsonb would give back {"a": 1.50, "zz": {...}}: keys reordered, spacing and duplicates gone.
    const text = '{ "zz": {"y": [1e2, 12345678901234567890]},\n  "a": 1.50, "a": 2 }';
    expect(recordColumns(record({ value: Buffer.from(text) }))).toMatchObject({ data: text, valueText: text });
    expect(recordColumns(record({ value: Buffer.from([0xff, 0x00]) }))).toMatchObject({ valueText: null });
    expect(recordColumns(record({ value: Buffer.from('null') }))).toMatchObject({ valueText: null });
    expect(recordColumns(record({ value: null }))).toMatchObject({ valueText: null });
  });

  it('drops NUL characters and lone surrogates from text, which PostgreSQL cannot hold', () => {
    const columns = recordColumns(
      record({ key: Buffer.from('a\u0000b'), headers: { ce_id: 'x\u0000y', note: 'bad \ud800 half' } }),
    );
    expect(columns.key).toBe('a\ufffdb');
    expect(columns.id).toBe('x\ufffdy');
    expect(JSON.parse(columns.headers)).toMatchObject({ note: 'bad \ufffd half' });
  });

  it('stores an unreadable ce_time or ce_schemaversion as null', () => {
    for (const [time, version] of [
      ['yesterday', 'v2'],
      ['2025-02-30', '-1'],
      ['1', '99999999999'],
    ]) {
      expect(
        recordColumns(record({ headers: { ce_time: time as string, ce_schemaversion: version as string } })),
      ).toMatchObject({ time: null, schemaversion: null });
    }
  });

  it('refuses a record whose Kafka coordinates cannot be real, with a stable code', () => {
    for (const bad of [{ offset: '-1' }, { offset: 'abc' }, { partition: 1.5 }]) {
      expect(() => recordColumns(record(bad))).toThrow(InvalidArchivedRecord);
    }
    try {
      recordColumns(record({ offset: 'abc' }));
    } catch (error) {
      expect((error as InvalidArchivedRecord).code).toBe('INVALID_ARCHIVED_RECORD');
    }
  });

  it('files a record whose timestamp PostgreSQL cannot hold under a fixed far day, keeping the raw value (never failing its batch)', () => {
    const microseconds = new Date(1_732_000_000_000_000); // a producer that wrote µs: year ~56,850
    const columns = recordColumns(record({ timestamp: microseconds }));
    expect(columns.kafkaTimestamp).toBe(UNPLACEABLE_TIMESTAMP);
    expect(JSON.parse(columns.headers)).toMatchObject({ [RAW_TIMESTAMP_HEADER]: '1732000000000000' });
    expect(recordColumns(record({ timestamp: microseconds })).kafkaTimestamp).toBe(columns.kafkaTimestamp);
  });
});
