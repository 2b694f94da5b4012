import { createEvent, decodeEvent, encodeEvent } from './envelope';
import { EVENT_TYPES, eventCatalog, EventDataMap, EventType, schemaFor } from './event-catalog';
import { eventExamples } from './event-examples';
import { EventDataInvalid } from './errors';

/** Encodes `data` as a `type` event without createEvent's validation, as a foreign producer might. */
function recordOf(type: EventType, data: unknown) {
  const valid = encodeEvent(createEvent(type, eventExamples[type] as never, { source: '/test' }));
  return { ...valid, value: Buffer.from(JSON.stringify(data)) };
}

function decodeData<T extends EventType>(type: T, data: unknown) {
  return decodeEvent(recordOf(type, data)).data as EventDataMap[T];
}

const DOCUMENTED_CATALOGUE = [
  'webhook.received',
  'email.incoming',
  'file.uploaded',
  'data.changed',
  'invoice.received',
  'invoice.processed',
  'email.classified',
  'document.processed',
  'sync.completed',
  'subscription.disabled',
];

describe('event catalogue', () => {
  it('holds every type of docs/architecture.md, each with a version 1 schema', () => {
    expect([...EVENT_TYPES].sort()).toEqual([...DOCUMENTED_CATALOGUE].sort());
    for (const type of EVENT_TYPES) expect(schemaFor(type, 1)).toBeDefined();
  });

  it.each(EVENT_TYPES)('round-trips a %s event through encode and decode', (type) => {
    const event = createEvent(type, eventExamples[type] as never, {
      source: '/test',
      subject: 'entity-1',
      partitionKey: 'entity-1',
    });
    const decoded = decodeEvent(encodeEvent(event));
    expect(decoded).toEqual(event);
    expect(decoded.schemaversion).toBe(eventCatalog[type].latestVersion);
  });

  it.each(EVENT_TYPES)('rejects %s data that is plainly not its shape', (type) => {
    expect(() => decodeEvent(recordOf(type, {}))).toThrow(EventDataInvalid);
    expect(() => decodeEvent(recordOf(type, 'just a string'))).toThrow(EventDataInvalid);
  });

  it('ignores fields it does not know, so a newer producer does not dead-letter older consumers', () => {
    const data = decodeData('file.uploaded', { ...eventExamples['file.uploaded'], owner: 'ada' });
    expect(data).toEqual(eventExamples['file.uploaded']);
  });
});

describe('file.uploaded', () => {
  const file = eventExamples['file.uploaded'];

  it('rejects a size that is not a whole number of bytes', () => {
    expect(() => decodeData('file.uploaded', { ...file, size: 10.5 })).toThrow(EventDataInvalid);
  });

  it('rejects a sha256 that is not 64 lower-case hex characters', () => {
    expect(() => decodeData('file.uploaded', { ...file, sha256: 'ABC' })).toThrow(EventDataInvalid);
  });
});

describe('data.changed', () => {
  const change = eventExamples['data.changed'];

  it('accepts a MongoDB change with its resume token', () => {
    const mongo = {
      ...change,
      source: { kind: 'mongodb', database: 'shop', collection: 'orders', resumeToken: { _data: '8263A1' } },
      key: { _id: 'o-1' },
    };
    expect(decodeData('data.changed', mongo).source).toMatchObject({ kind: 'mongodb', collection: 'orders' });
  });

  it('accepts a delete without images beyond the key', () => {
    expect(decodeData('data.changed', { ...change, op: 'delete', before: null, after: null }).op).toBe('delete');
  });

  it('rejects a position that is not a PostgreSQL LSN', () => {
    expect(() => decodeData('data.changed', { ...change, source: { ...change.source, lsn: '16B3748' } })).toThrow(
      EventDataInvalid,
    );
  });

  it('rejects an insert without the new row, and a delete with one', () => {
    expect(() => decodeData('data.changed', { ...change, op: 'insert', after: null })).toThrow(/after/);
    expect(() => decodeData('data.changed', { ...change, op: 'delete' })).toThrow(/after/);
  });
});

describe('invoice.processed', () => {
  const invoice = eventExamples['invoice.processed'];

  it('rejects money as a float: amounts are integer minor units', () => {
    const fields = { ...invoice.fields, total: { amountMinor: 1338.75, currency: 'EUR' } };
    expect(() => decodeData('invoice.processed', { ...invoice, fields })).toThrow(EventDataInvalid);
  });

  it('rejects a currency that is not an ISO 4217 code', () => {
    const fields = { ...invoice.fields, total: { amountMinor: 133875, currency: 'euro' } };
    expect(() => decodeData('invoice.processed', { ...invoice, fields })).toThrow(EventDataInvalid);
  });

  it('rejects an approval of an invoice that failed validation', () => {
    const validation = {
      valid: false,
      issues: [{ code: 'total_mismatch', severity: 'error', message: 'lines do not add up' }],
    };
    expect(() => decodeData('invoice.processed', { ...invoice, validation })).toThrow(/approved/);
  });

  it('rejects a validation result that calls itself valid despite an error', () => {
    const validation = {
      valid: true,
      issues: [{ code: 'missing_field', severity: 'error', field: 'total', message: 'no total' }],
    };
    expect(() => decodeData('invoice.processed', { ...invoice, decision: 'needs_review', validation })).toThrow(
      /valid/,
    );
  });

  it('accepts a partial extraction sent for review', () => {
    const partial = {
      documentSha256: invoice.documentSha256,
      fields: { lines: [] },
      validation: {
        valid: false,
        issues: [{ code: 'missing_field', severity: 'error', field: 'invoiceNumber', message: 'not found' }],
      },
      decision: 'needs_review',
    };
    expect(decodeData('invoice.processed', partial).decision).toBe('needs_review');
  });
});

describe('email.classified', () => {
  it('rejects a confidence outside 0..1', () => {
    expect(() => decodeData('email.classified', { ...eventExamples['email.classified'], confidence: 1.2 })).toThrow(
      EventDataInvalid,
    );
  });
});

describe('sync.completed', () => {
  it('carries a permanent refusal of the target with its reason', () => {
    const rejected = {
      ...eventExamples['sync.completed'],
      result: { status: 'rejected', reason: { code: 'VENDOR_BLOCKED', message: 'vendor is blocked' } },
    };
    expect(decodeData('sync.completed', rejected).result).toEqual(rejected.result);
  });

  it('says why a stale change left the target unchanged, and the newer position it holds', () => {
    const stale = {
      ...eventExamples['sync.completed'],
      result: {
        status: 'unchanged',
        reason: { code: 'stale', message: 'the target holds a newer change' },
        currentPosition: 'pg/00000000016B3800/00000000016B37C0',
      },
    };
    expect(decodeData('sync.completed', stale).result).toEqual(stale.result);
  });

  it('still reads a v1 event written before sourceChange and the unchanged reason existed', () => {
    const older = {
      target: { system: 'erp' },
      operation: 'upsert',
      entity: { type: 'vendor_bill', key: 'supplier-gmbh/2024-0117' },
      result: { status: 'unchanged' },
    };
    expect(decodeData('sync.completed', older)).toEqual(older);
  });

  it('rejects an unknown result status', () => {
    expect(() =>
      decodeData('sync.completed', { ...eventExamples['sync.completed'], result: { status: 'maybe' } }),
    ).toThrow(EventDataInvalid);
  });
});
