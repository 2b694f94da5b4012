/**
 * Property-based tests of the pure half of the gateway (hostile input, issue 18): whatever the
 * body and headers, a request becomes an event that can be written to Kafka, or is refused
 * with WebhookMalformed (a 400 with its reason). Anything else would be a 500.
 */
import fc from 'fast-check';
import { decodeEvent, encodeEvent } from '@flowline/event-schemas';
import { testSource } from './test-fixtures/test-sources';
import { jsonNestingExceeds, MAX_JSON_DEPTH, WebhookMalformed, webhookToEvent } from './webhook-event';

const open = testSource({ name: 'open', scheme: 'none', allowUnsigned: true });
const typed = testSource({
  name: 'typed',
  scheme: 'none',
  allowUnsigned: true,
  eventType: { jsonField: 'type' },
  deliveryId: { jsonField: 'id' },
});

const contentTypes = fc.constantFrom(
  undefined,
  'application/json',
  'application/cloudevents+json',
  'text/plain',
  'application/octet-stream',
  'application/json; charset=latin1',
);

/** Either an event that survives the round trip through a Kafka record, or a 400 with a reason. */
function expectEventOrMalformed(run: () => ReturnType<typeof webhookToEvent>): void {
  let accepted: ReturnType<typeof webhookToEvent>;
  try {
    accepted = run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookMalformed);
    expect((error as Error).message).not.toBe('');
    return;
  }
  expect(decodeEvent(encodeEvent(accepted.event)).id).toBe(accepted.event.id);
}

describe('webhookToEvent under hostile input', () => {
  it('turns random bytes into an event or a WebhookMalformed, whatever the content type', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), contentTypes, (bytes, contentType) =>
        expectEventOrMalformed(() => webhookToEvent(open, { headers: {}, contentType, body: Buffer.from(bytes) })),
      ),
      { numRuns: 300 },
    );
  });

  it('turns any JSON value, with any type and id fields, into an event or a WebhookMalformed', () => {
    const body = fc.record({ type: fc.jsonValue(), id: fc.jsonValue(), data: fc.jsonValue() }, { requiredKeys: [] });
    fc.assert(
      fc.property(body, (value) =>
        expectEventOrMalformed(() =>
          webhookToEvent(typed, {
            headers: {},
            contentType: 'application/json',
            body: Buffer.from(JSON.stringify(value)),
          }),
        ),
      ),
      { numRuns: 300 },
    );
  });

  it('refuses JSON that is not valid UTF-8 instead of replacing its bytes', () => {
    const invalid = fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80]);
    fc.assert(
      fc.property(fc.string(), invalid, (prefix, bad) => {
        const body = Buffer.concat([
          Buffer.from(`{"text":"${prefix.replace(/["\\]/g, '')}`),
          Buffer.from(bad),
          Buffer.from('"}'),
        ]);
        expect(() => webhookToEvent(open, { headers: {}, contentType: 'application/json', body })).toThrow(
          'body is not valid UTF-8',
        );
      }),
      { numRuns: 50 },
    );
  });

  it('refuses JSON nested 100k levels deep with its reason, and takes it at the limit', () => {
    const deep = (levels: number) => Buffer.from('['.repeat(levels) + ']'.repeat(levels));
    expect(() => webhookToEvent(open, { headers: {}, contentType: undefined, body: deep(100_000) })).toThrow(
      `body nests JSON deeper than ${MAX_JSON_DEPTH} levels`,
    );
    const atLimit = webhookToEvent(open, { headers: {}, contentType: undefined, body: deep(MAX_JSON_DEPTH) });
    expect(decodeEvent(encodeEvent(atLimit.event)).id).toBe(atLimit.event.id);
  });

  it('counts nesting as JSON.parse does: brackets inside strings and escapes are text', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        expect(jsonNestingExceeds(text, 7)).toBe(false);
        expect(jsonNestingExceeds(`[[[[[[[[${text}]]]]]]]]`, 7)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
