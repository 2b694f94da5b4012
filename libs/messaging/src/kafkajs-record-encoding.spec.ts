/**
 * kafkajs carries a patch (patches/kafkajs+2.2.4.patch, applied by patch-package on
 * `npm ci`). Encoding: one buffer per record instead of one per header, and VarInts written
 * in place instead of through an Array and a Buffer each. Decoding: a record's headers
 * gathered into one object instead of a new object per header. Producing: a send's messages
 * grouped per partition in place instead of copying a partition's array per message; batches
 * checksummed (CRC-32C) with the CPU's CRC instructions through @node-rs/crc32.
 * These tests hold it to upstream's bytes and results — a broker reading a mis-encoded record
 * would reject the whole batch, or worse, store wrong headers — and fail if the installed
 * kafkajs lacks the patch.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface EncoderLike {
  buffer: Buffer;
  writeVarInt(value: number): EncoderLike;
  writeUVarInt(value: number): EncoderLike;
  writeInt8(value: number): EncoderLike;
  writeVarLong(value: number): EncoderLike;
  writeVarIntBytes(value: Buffer | string | null): EncoderLike;
  writeVarIntArray(values: EncoderLike[]): EncoderLike;
}
interface LongLike {
  and(other: LongLike | bigint | number): LongLike;
  or(other: number): LongLike;
  notEquals(other: LongLike): boolean;
  shiftRightUnsigned(bits: number): LongLike;
  toInt(): number;
}
interface EncoderClass {
  new (): EncoderLike;
  encodeZigZag(value: number): number;
  encodeZigZag64(value: number): LongLike;
  sizeOfVarLong(value: number): number;
  sizeOfVarInt(value: number): number;
  sizeOfVarIntBytes(value: Buffer | string | null): number;
}
type HeaderValue = Buffer | string | null;
interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, HeaderValue | HeaderValue[]>;
}
interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's protocol modules are untyped CommonJS, reached on purpose */
const recordPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0');
const encodeRecord = require(recordPath) as (record: RecordInput) => EncoderLike;
const encodeHeader = require('kafkajs/src/protocol/recordBatch/header/v0') as (header: {
  key: string;
  value: HeaderValue;
}) => EncoderLike;
const Encoder = require('kafkajs/src/protocol/encoder') as EncoderClass;
const Long = require('kafkajs/src/utils/long') as { fromInt(value: number): LongLike };
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { readVarIntBytes(): Buffer };
const decodeRecordPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder');
const decodeRecord = require(decodeRecordPath) as (decoder: unknown, batchContext: object) => DecodedRecord;
const crcPath = require.resolve('kafkajs/src/protocol/recordBatch/crc32C');
const crc32C = require(crcPath) as ((buffer: Buffer) => number) & {
  software: (buffer: Buffer) => number;
  native: boolean;
};
const groupPath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition');
const groupMessagesPerPartition = require(groupPath) as (input: {
  topic: string;
  partitionMetadata: { partitionId: number }[];
  messages: { key: string }[];
  partitioner: (input: { message: { key: string } }) => number;
}) => Record<string, { key: string }[]>;
/* eslint-enable @typescript-eslint/no-require-imports */

/** kafkajs 2.2.4's VarInt as published: bytes gathered in an Array, then copied in as a Buffer. */
function upstreamUVarInt(value: number): Buffer {
  const bytes: number[] = [];
  while ((value & 0xffffff80) !== 0) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value & 0x7f);
  return Buffer.from(bytes);
}

/** kafkajs 2.2.4's VarLong as published: ZigZag and LEB128 in Long arithmetic. */
function upstreamVarLong(value: number): Buffer {
  const bytes: number[] = [];
  let long = Encoder.encodeZigZag64(value);
  while (long.and(0xffffffffffffff80n).notEquals(Long.fromInt(0))) {
    bytes.push(long.and(0x7f).or(0x80).toInt());
    long = long.shiftRightUnsigned(7);
  }
  bytes.push(long.toInt());
  return Buffer.from(bytes);
}

/** kafkajs 2.2.4's record encoding as published: one Encoder per header, then the array. */
function upstreamEncoding({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }: RecordInput): Buffer {
  const headersArray = Object.keys(headers).flatMap((headerKey) => {
    const headerValue = headers[headerKey] as HeaderValue | HeaderValue[];
    return Array.isArray(headerValue)
      ? headerValue.map((item) => ({ key: headerKey, value: item }))
      : [{ key: headerKey, value: headerValue }];
  });
  let sizeOfHeaders = Encoder.sizeOfVarInt(headersArray.length);
  for (const header of headersArray) {
    const keySize = Buffer.byteLength(header.key);
    sizeOfHeaders += Encoder.sizeOfVarInt(keySize) + keySize + Encoder.sizeOfVarIntBytes(header.value);
  }
  const sizeOfBody =
    1 +
    Encoder.sizeOfVarLong(timestampDelta) +
    Encoder.sizeOfVarInt(offsetDelta) +
    Encoder.sizeOfVarIntBytes(key) +
    Encoder.sizeOfVarIntBytes(value) +
    sizeOfHeaders;
  return new Encoder()
    .writeVarInt(sizeOfBody)
    .writeInt8(0)
    .writeVarLong(timestampDelta)
    .writeVarInt(offsetDelta)
    .writeVarIntBytes(key)
    .writeVarIntBytes(value)
    .writeVarIntArray(headersArray.map(encodeHeader)).buffer;
}

const cloudEventHeaders = {
  ce_specversion: '1.0',
  ce_id: '0b6f3c1e-59a3-4c1f-9d7e-2f1a4b8c9d10',
  ce_source: '/webhook-gateway',
  ce_type: 'invoice.received',
  ce_time: '2026-12-02T06:30:00.000Z',
  'content-type': 'application/json',
  ce_correlationid: '0b6f3c1e-59a3-4c1f-9d7e-2f1a4b8c9d10',
  ce_schemaversion: '1',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

const records: Record<string, RecordInput> = {
  'a CloudEvent in binary mode': {
    key: 'acme-42',
    value: Buffer.from(JSON.stringify({ invoiceId: 'INV-1', amount: 12.5 })),
    headers: cloudEventHeaders,
  },
  'Buffer header values and deltas needing several VarInt bytes': {
    offsetDelta: 70_000,
    timestampDelta: 3_000_000_000,
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    headers: { ce_id: Buffer.from('abc'), 'flowline-dlq-reason': Buffer.from('x'.repeat(300)) },
  },
  'a repeated header (an array of values)': {
    key: null,
    value: Buffer.from('{}'),
    headers: { tag: ['a', 'b', Buffer.from('c')] },
  },
  'no key, no value and no headers (a tombstone)': { key: null, value: null },
  'multi-byte UTF-8 in keys and values': {
    key: 'clé-€',
    value: 'données: ünïcödé 🚀',
    headers: { 'ce_subject-ü': 'Straße 🚚' },
  },
  'a record larger than the default 512-byte buffer': {
    key: 'big',
    value: Buffer.alloc(5_000, 0x61),
    headers: cloudEventHeaders,
  },
};

describe('kafkajs record encoding (patched)', () => {
  it('is the patched encoder: the installed kafkajs carries patches/kafkajs+2.2.4.patch', () => {
    expect(readFileSync(recordPath, 'utf8')).toContain('Flowline patch');
    expect(readFileSync(require.resolve('kafkajs/src/protocol/encoder'), 'utf8')).toContain('Flowline patch');
    expect(readFileSync(decodeRecordPath, 'utf8')).toContain('Flowline patch');
    expect(readFileSync(groupPath, 'utf8')).toContain('Flowline patch');
    expect(readFileSync(crcPath, 'utf8')).toContain('Flowline patch');
  });

  const varIntValues = [
    0, 1, -1, 63, 64, -64, -65, 127, 128, 8_191, 8_192, -8_193, 1_048_575, 1_048_576, 134_217_727, 134_217_728,
  ];
  const edgeValues = [0x3fffffff, -0x40000000, 0x40000000, -0x40000001, 0x7fffffff, -0x80000000];

  it('writes VarInts with the same bytes as upstream kafkajs, one after another in one buffer', () => {
    const encoder = new Encoder();
    const expected: Buffer[] = [];
    for (const value of [...varIntValues, ...edgeValues]) {
      encoder.writeVarInt(value);
      expected.push(upstreamUVarInt(Encoder.encodeZigZag(value)));
    }
    for (const value of [0, 300, 0xffffffff, 0x80000000]) {
      encoder.writeUVarInt(value);
      expected.push(upstreamUVarInt(value));
    }
    expect(encoder.buffer.equals(Buffer.concat(expected))).toBe(true);
  });

  it('writes VarLongs with the same bytes as upstream kafkajs, on the 31-bit fast path and past it', () => {
    const values = [
      ...varIntValues,
      ...edgeValues,
      2 ** 40,
      -(2 ** 40),
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      1_733_120_000_000,
    ];
    for (const value of values)
      expect([value, new Encoder().writeVarLong(value).buffer.toString('hex')]).toEqual([
        value,
        upstreamVarLong(value).toString('hex'),
      ]);
  });

  it.each(Object.entries(records))('writes the same bytes as upstream kafkajs for %s', (_name, record) => {
    expect(encodeRecord(record).buffer.equals(upstreamEncoding(record))).toBe(true);
  });

  /** Encodes a record, then decodes it as kafkajs's batch decoder does: its length-prefixed bytes, then the record. */
  function decodeEncoded(record: RecordInput, batch = { firstOffset: '0', firstTimestamp: 0 }): DecodedRecord {
    const body = new Decoder(encodeRecord(record).buffer).readVarIntBytes();
    return decodeRecord(new Decoder(body), { ...batch, magicByte: 2 });
  }

  it('decodes back with kafkajs to the same key, value and headers', () => {
    const record = records['a CloudEvent in binary mode'] as RecordInput;
    const decoded = decodeEncoded(
      { ...record, offsetDelta: 7, timestampDelta: 5 },
      { firstOffset: '100', firstTimestamp: 1_000 },
    );
    expect(decoded.offset).toBe('107');
    expect(decoded.timestamp).toBe('1005');
    expect(decoded.key?.toString()).toBe('acme-42');
    expect(JSON.parse(decoded.value?.toString() ?? 'null')).toEqual({ invoiceId: 'INV-1', amount: 12.5 });
    expect(
      Object.fromEntries(Object.entries(decoded.headers).map(([name, value]) => [name, value.toString()])),
    ).toEqual(cloudEventHeaders);
  });

  it('decodes a repeated header as upstream does: one array of its values, in order', () => {
    const many = Array.from({ length: 50 }, (_, i) => `v${i}`);
    const decoded = decodeEncoded({ key: null, value: null, headers: { tag: ['a', 'b', 'c'], single: 'x', many } });
    expect(Object.keys(decoded.headers)).toEqual(['tag', 'single', 'many']);
    expect((decoded.headers['tag'] as Buffer[]).map(String)).toEqual(['a', 'b', 'c']);
    expect((decoded.headers['many'] as Buffer[]).map(String)).toEqual(many);
    expect(String(decoded.headers['single'])).toBe('x');
  });

  it('decodes headers named like Object.prototype members as plain headers', () => {
    // Upstream turned a lone "toString" header into [Object.prototype.toString, value], "__proto__" likewise.
    const decoded = decodeEncoded({
      key: null,
      value: null,
      headers: { toString: 'a', ['__proto__']: 'b', constructor: 'c' },
    });
    expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
    expect(Object.keys(decoded.headers)).toEqual(['toString', '__proto__', 'constructor']);
    expect(Object.values(decoded.headers).map(String)).toEqual(['a', 'b', 'c']);
  });

  it('groups a send per partition keeping each partition’s message order, as upstream does', () => {
    const messages = Array.from({ length: 2_000 }, (_, i) => ({ key: `k${i}` }));
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }],
      messages,
      partitioner: ({ message }) => Number(message.key.slice(1)) % 3,
    });
    expect(Object.keys(grouped).sort()).toEqual(['0', '1', '2']);
    for (const partition of [0, 1, 2]) {
      expect(grouped[partition]).toEqual(messages.filter((_, i) => i % 3 === partition));
    }
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual(
      {},
    );
  });

  it('checksums batches with the hardware CRC-32C, giving the values of upstream’s JavaScript', () => {
    expect(crc32C.native).toBe(true); // @node-rs/crc32 loaded: the CPU's CRC instructions are in use
    // The standard check value of CRC-32C (Castagnoli), as the broker computes it.
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32C(Buffer.alloc(0))).toBe(0);
    for (const size of [1, 7, 8, 9, 63, 600, 4_096, 65_537]) {
      const bytes = randomBytes(size);
      expect([size, crc32C(bytes)]).toEqual([size, crc32C.software(bytes)]);
    }
    // A slice of a larger buffer (as kafkajs hands over an encoder's bytes) is checksummed alone.
    const whole = randomBytes(1_000);
    expect(crc32C(whole.subarray(100, 700))).toBe(crc32C.software(Buffer.from(whole.subarray(100, 700))));
  });
});
