import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { toConsumedRecord } from './consumed-record';

function message(headers?: Record<string, Buffer | string | (Buffer | string)[] | null>): KafkaMessage {
  const base = {
    key: Buffer.from('k'),
    value: Buffer.from('{}'),
    timestamp: '1700000000000',
    attributes: 0,
    offset: '41',
  };
  // kafkajs types a record without headers as the old message-set format (size set, no headers).
  return headers === undefined ? { ...base, size: 0 } : ({ ...base, headers } as KafkaMessage);
}

describe('toConsumedRecord', () => {
  it('gives every header as text, the last value of a repeated one, and leaves out a header without a value', () => {
    const record = toConsumedRecord(
      't',
      2,
      message({
        ce_id: Buffer.from('id-1'),
        ce_type: [Buffer.from('a.old'), Buffer.from('a.new')],
        empty: null,
        text: 'already text',
      }),
    );
    expect(record.headers).toEqual({ ce_id: 'id-1', ce_type: 'a.new', text: 'already text' });
    expect(record).toMatchObject({ topic: 't', partition: 2, offset: '41', timestamp: new Date(1700000000000) });
  });

  it('gives no headers for a record without any', () => {
    expect(toConsumedRecord('t', 0, message()).headers).toEqual({});
  });

  it('reads any headers a producer may send (repeats, nulls, empty lists, invalid UTF-8, odd names) as text, never throwing', () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
      fc.constant(Buffer.from([0xff, 0xfe, 0xc3, 0x28])),
      fc.constant(null),
    );
    const name = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'toString', ''));
    const headers = fc.dictionary(name, fc.oneof(value, fc.array(value, { maxLength: 4 })), { maxKeys: 30 });
    fc.assert(
      fc.property(headers, (sent) => {
        // kafkajs's IHeaders type has no null inside a list; producers of other clients send it anyway.
        const record = toConsumedRecord('t', 0, message(sent as Parameters<typeof message>[0]));
        for (const text of Object.values(record.headers)) expect(typeof text).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});
