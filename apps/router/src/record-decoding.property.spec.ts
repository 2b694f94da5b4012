/**
 * What the router's consumer does with a record before routing it (libs/messaging
 * event-consumer: `toBinaryMode`, then `decodeEvent`), and then `routeEvent`, under hostile
 * records (issue 18). The consumer dead-letters an EventDecodingError with its reason; any
 * other error would fail the whole batch, so that is what these properties rule out.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  createEvent,
  decodeEvent,
  encodeEvent,
  EventDecodingError,
  type FlowlineEvent,
  toBinaryMode,
} from '@flowline/event-schemas';
import { compileRuleSet, parseRuleFile } from '@flowline/routing-rules';
import { DEFAULT_RULES_FILE } from './config';
import { routeEvent } from './route-event';

const defaultRules = compileRuleSet(parseRuleFile(readFileSync(DEFAULT_RULES_FILE, 'utf8'), DEFAULT_RULES_FILE));
const valid = encodeEvent(createEvent('webhook.received', { source: 'sample', payload: { n: 1 } }, { source: '/t' }));

type Header = string | Buffer;

/** Decodes as the consumer does, routes what decodes; returns the error when it failed. */
function consume(record: { key: Buffer | null; value: Buffer | null; headers: Record<string, Header> }): unknown {
  let event: FlowlineEvent;
  try {
    event = decodeEvent(toBinaryMode(record));
  } catch (error) {
    return error;
  }
  routeEvent(defaultRules, event, 'ingress');
  return undefined;
}

function expectDeadLetterOrRouted(error: unknown): void {
  if (error === undefined) return;
  expect(error).toBeInstanceOf(EventDecodingError);
  expect((error as Error).message).not.toBe('');
}

/** Text and bytes a hostile producer might put in a header or an attribute. */
const junkText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('', ' ', '0.3', '2.0', 'not a time', '2026-02-30T25:61:61Z', 'x'.repeat(10_000)),
);
const junkHeader: fc.Arbitrary<Header> = fc.oneof(
  junkText,
  fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)),
  // Invalid UTF-8.
  fc.constant(Buffer.from([0xff, 0xfe, 0xc3, 0x28])),
);
const ATTRIBUTES = [
  'id',
  'source',
  'type',
  'specversion',
  'time',
  'dataschema',
  'datacontenttype',
  'schemaversion',
  'correlationid',
  'partitionkey',
];

describe('the router decoding hostile records', () => {
  it('dead-letters (EventDecodingError) or routes a binary-mode record with any attribute malformed', () => {
    const malformed = fc.dictionary(fc.constantFrom(...ATTRIBUTES), junkHeader, { minKeys: 1 });
    fc.assert(
      fc.property(malformed, fc.option(fc.uint8Array({ maxLength: 256 })), (attributes, value) => {
        const headers: Record<string, Header> = { ...valid.headers };
        for (const [name, header] of Object.entries(attributes)) headers[`ce_${name}`] = header;
        const bytes = value === null ? valid.value : Buffer.from(value);
        expectDeadLetterOrRouted(consume({ key: Buffer.from(valid.key), value: bytes, headers }));
      }),
      { numRuns: 500 },
    );
  });

  it('dead-letters or routes a structured-mode record whose attributes have any JSON type', () => {
    const attribute = fc.oneof(fc.jsonValue({ maxDepth: 2 }), junkText);
    const structured = fc.record(
      {
        specversion: attribute,
        id: attribute,
        source: attribute,
        type: fc.oneof(attribute, fc.constant('webhook.received')),
        time: attribute,
        datacontenttype: attribute,
        dataschema: attribute,
        data: fc.jsonValue({ maxDepth: 3 }),
        data_base64: attribute,
        [`x${'e'.repeat(30)}`]: attribute,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(structured, (event) =>
        expectDeadLetterOrRouted(
          consume({
            key: null,
            value: Buffer.from(JSON.stringify(event)),
            headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
          }),
        ),
      ),
      { numRuns: 500 },
    );
  });

  it('dead-letters or routes random bytes in the key, value and headers, and a structured value of random bytes', () => {
    const headers = fc.dictionary(
      fc.oneof(fc.constantFrom('content-type', 'ce_id', 'ce_type', 'traceparent'), fc.string({ maxLength: 20 })),
      junkHeader,
      { maxKeys: 20 },
    );
    const bytes = fc.option(fc.uint8Array({ maxLength: 512 }).map((array) => Buffer.from(array)));
    fc.assert(
      fc.property(bytes, bytes, headers, fc.boolean(), (key, value, randomHeaders, structured) => {
        const record = {
          key,
          value,
          headers: structured ? { ...randomHeaders, 'content-type': 'application/cloudevents+json' } : randomHeaders,
        };
        expectDeadLetterOrRouted(consume(record));
      }),
      { numRuns: 500 },
    );
  });

  it('dead-letters or routes thousands of headers and data nested 100k levels deep', () => {
    const flood: Record<string, Header> = { ...valid.headers };
    for (let i = 0; i < 5_000; i++) flood[`x-flood-${i}`] = 'v'.repeat(100);
    flood['ce_subject'] = 's'.repeat(1_000_000);
    expectDeadLetterOrRouted(consume({ key: null, value: valid.value, headers: flood }));
    const deep = Buffer.from(`{"source":"s","payload":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expectDeadLetterOrRouted(consume({ key: null, value: deep, headers: { ...valid.headers } }));
  });
});
