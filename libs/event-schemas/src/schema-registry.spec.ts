/**
 * The upcasting mechanism, proven on a test-only catalogue: the real catalogue has only
 * version 1 of each type, because nothing older was ever published (see README.md).
 */
import { z } from 'zod';
import { decodeEvent, decodeEventWith, encodeEvent, createEvent } from './envelope';
import { EventDataInvalid, SchemaUnknown } from './errors';
import { parseSchemaVersion, upcastToLatest, versionHistory } from './schema-registry';

// v1 wrote the total as a decimal string; v2 makes it money (integer minor units + currency).
const quoteV1 = z.object({
  number: z.string(),
  total: z.string().regex(/^\d+\.\d{2}$/),
  currency: z.string().length(3),
});
const quoteV2 = z.object({
  number: z.string(),
  total: z.object({ amountMinor: z.number().int(), currency: z.string().length(3) }),
});
// v3 adds a required field whose value older producers implied.
const quoteV3 = quoteV2.extend({ channel: z.enum(['email', 'portal']) });

const testCatalog = {
  'quote.sent': versionHistory(quoteV1)
    .addVersion(quoteV2, (v1) => ({
      number: v1.number,
      total: { amountMinor: Number(v1.total.replace('.', '')), currency: v1.currency },
    }))
    .addVersion(quoteV3, (v2) => ({ ...v2, channel: 'email' as const })),
  'quote.broken': versionHistory(quoteV1).addVersion(quoteV2, (v1) => ({
    number: v1.number,
    total: { amountMinor: 0.5, currency: v1.currency },
  })),
};

function quoteRecord(type: string, version: string | undefined, data: unknown) {
  return {
    key: 'q-1',
    value: Buffer.from(JSON.stringify(data)),
    headers: {
      ce_id: 'e-1',
      ce_source: '/sales',
      ce_type: type,
      ce_specversion: '1.0',
      ce_time: '2024-05-02T07:00:00.000Z',
      'content-type': 'application/json',
      ce_correlationid: 'e-1',
      ce_partitionkey: 'q-1',
      ...(version === undefined ? {} : { ce_schemaversion: version }),
    },
  };
}

describe('decoding older schema versions', () => {
  it('upcasts a v1 message step by step into the latest data and reports the latest version', () => {
    const event = decodeEventWith(
      testCatalog,
      quoteRecord('quote.sent', '1', { number: 'Q-7', total: '1338.75', currency: 'EUR' }),
    );
    expect(event.schemaversion).toBe(3);
    expect(event.data).toEqual({ number: 'Q-7', total: { amountMinor: 133875, currency: 'EUR' }, channel: 'email' });
  });

  it('upcasts from a middle version and leaves the latest version as written', () => {
    const v2 = { number: 'Q-8', total: { amountMinor: 100, currency: 'USD' } };
    expect(decodeEventWith(testCatalog, quoteRecord('quote.sent', '2', v2)).data).toEqual({ ...v2, channel: 'email' });
    const v3 = { ...v2, channel: 'portal' };
    expect(decodeEventWith(testCatalog, quoteRecord('quote.sent', '3', v3)).data).toEqual(v3);
  });

  it('reads an event without a schemaversion extension as version 1', () => {
    const event = decodeEventWith(
      testCatalog,
      quoteRecord('quote.sent', undefined, { number: 'Q-9', total: '1.00', currency: 'EUR' }),
    );
    expect(event.data.total).toEqual({ amountMinor: 100, currency: 'EUR' });
  });

  it('throws SchemaUnknown for a version newer than the consumer knows', () => {
    expect(() => decodeEventWith(testCatalog, quoteRecord('quote.sent', '99', {}))).toThrow(SchemaUnknown);
    expect(() => decodeEventWith(testCatalog, quoteRecord('quote.sent', '99', {}))).toThrow(/known: 1\.\.3/);
  });

  it('throws SchemaUnknown for a version that is not a positive integer', () => {
    for (const version of ['0', '-1', '1.5', 'v2', '']) {
      expect(() => decodeEventWith(testCatalog, quoteRecord('quote.sent', version, {}))).toThrow(SchemaUnknown);
    }
  });

  it('throws SchemaUnknown for a type the catalogue does not hold', () => {
    expect(() => decodeEventWith(testCatalog, quoteRecord('quote.lost', '1', {}))).toThrow(SchemaUnknown);
  });

  it('throws EventDataInvalid for v1 data that breaks the v1 schema, naming the version', () => {
    const record = quoteRecord('quote.sent', '1', { number: 'Q-7', total: 1338.75, currency: 'EUR' });
    expect(() => decodeEventWith(testCatalog, record)).toThrow(EventDataInvalid);
    expect(() => decodeEventWith(testCatalog, record)).toThrow(/quote\.sent v1/);
  });

  it('throws EventDataInvalid when an upcast produces data the next version rejects', () => {
    const record = quoteRecord('quote.broken', '1', { number: 'Q-7', total: '1.00', currency: 'EUR' });
    expect(() => decodeEventWith(testCatalog, record)).toThrow(/upcast of quote\.broken v1 to v2/);
  });

  it('throws EventDataInvalid, with the cause, when an upcast throws', () => {
    const failing = {
      'quote.sent': versionHistory(quoteV1).addVersion(quoteV2, () => {
        throw new Error('no exchange rate');
      }),
    };
    expect(() => upcastToLatest(failing, 'quote.sent', 1, { number: 'Q', total: '1.00', currency: 'EUR' })).toThrow(
      /cannot be upcast to v2: no exchange rate/,
    );
  });

  it('types an upcast by the versions it connects', () => {
    // @ts-expect-error v2 needs `total` as money, so returning the v1 string must not compile
    const wrong = versionHistory(quoteV1).addVersion(quoteV2, (v1) => ({ number: v1.number, total: v1.total }));
    expect(wrong.latestVersion).toBe(2);
  });
});

describe('schema versions in the real catalogue', () => {
  it('rejects version 99 of a catalogue type as SchemaUnknown', () => {
    const record = encodeEvent(
      createEvent('document.processed', { kind: 'text', text: 'x', metadata: {} }, { source: '/test' }),
    );
    expect(() => decodeEvent({ ...record, headers: { ...record.headers, ce_schemaversion: '99' } })).toThrow(
      SchemaUnknown,
    );
  });

  it('parses only plain positive integers as versions', () => {
    expect(parseSchemaVersion('3')).toBe(3);
    expect(parseSchemaVersion(2)).toBe(2);
    expect(parseSchemaVersion('03')).toBeUndefined();
    expect(parseSchemaVersion(undefined)).toBeUndefined();
  });
});
