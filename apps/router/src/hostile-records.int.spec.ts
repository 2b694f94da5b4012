/**
 * Hostile records through the router's real consumer on the real broker (issue 18): CloudEvents
 * in binary and structured mode with every attribute malformed, thousands of headers, random
 * bytes, each carrying credential and signature headers. Each ends as a dead-letter record with
 * its reason and none of the secrets; data nested 100k levels deep is routed; the router keeps
 * routing afterwards, and no log line holds a secret.
 */
import fc from 'fast-check';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createEvent, encodeEvent, topicNames } from '@flowline/event-schemas';
import { startServiceUnderTest, ServiceUnderTest, testInfra } from '@flowline/testing';
import { router } from './service';

const SECRET_HEADERS = {
  authorization: 'Bearer secret-bearer-0001',
  cookie: 'session=secret-cookie-0002',
  'x-hub-signature-256': 'sha256=secret-hub-0003',
  'stripe-signature': 't=1,v1=secret-stripe-0004',
  'webhook-signature': 'v1,secret-standard-0005',
  'svix-signature': 'v1,secret-svix-0006',
  'x-api-key': 'secret-api-key-0007',
  referer: 'https://user:secret-password-0008@example.com/hook',
};
/** The secret part of each value (`secret-…`), which must appear nowhere. */
const SECRET_VALUES = Object.values(SECRET_HEADERS).map((value) => value.slice(value.indexOf('secret-')));

interface HostileRecord {
  key: string;
  value: Buffer | string | null;
  headers: Record<string, string | Buffer>;
}

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '0.3', '2.0', 'not a time', '2026-02-30T25:61:61Z', 'x'.repeat(5_000)),
);

/** Binary mode: every attribute malformed; an empty id or a wrong specversion makes sure it cannot decode. */
const binaryRecord = fc
  .record({
    id: fc.constantFrom('', ' '),
    specversion: fc.constantFrom('0.3', '2.0', '', '1.0 '),
    type: junk,
    source: junk,
    time: junk,
    schemaversion: fc.constantFrom('0', '-1', 'one', '1e9999'),
    extension: fc.string({ minLength: 1, maxLength: 300 }),
  })
  .map(({ extension, ...attributes }) => ({
    value: '{"source":"s","payload":{}}',
    headers: {
      'content-type': 'application/json',
      ...Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`ce_${name}`, value])),
      [`ce_${'x'.repeat(1_000)}`]: extension,
    },
  }));

/** Structured mode: attributes of the wrong JSON types, an empty id, a huge extension name. */
const structuredRecord = fc
  .record({
    specversion: fc.oneof(fc.constant(1), fc.constant(null), fc.constant('0.3')),
    id: fc.oneof(fc.constant(''), fc.integer(), fc.constant({ id: 1 })),
    type: fc.oneof(fc.integer(), fc.constant(['webhook.received'])),
    source: fc.oneof(fc.boolean(), junk),
    time: fc.oneof(fc.integer(), junk),
    data: fc.jsonValue({ maxDepth: 3 }),
  })
  .map((event) => ({
    value: JSON.stringify({ ...event, ['e'.repeat(10_000)]: 'huge extension name' }),
    headers: { 'content-type': 'application/cloudevents+json' },
  }));

/** Not a CloudEvent at all: random bytes, invalid UTF-8 headers. */
const randomRecord = fc
  .record({ value: fc.option(fc.uint8Array({ maxLength: 512 })), header: fc.uint8Array({ maxLength: 64 }) })
  .map(({ value, header }) => ({
    value: value === null ? null : (Buffer.from(value) as Buffer | string | null),
    headers: { ce_id: Buffer.from([0xff, 0xfe, ...header]), 'x-random': Buffer.from(header) },
  }));

describe('router dead-lettering hostile records (real consumer, real broker)', () => {
  let running: ServiceUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    running = await startServiceUnderTest(router, {
      outputs: (prefix) => {
        const topics = topicNames(prefix);
        return [topics.deadLetter(topics.ingressWebhook), topics.agent('document')];
      },
    });
    producer = new Kafka({
      clientId: 'router-hostile-test',
      brokers: testInfra().KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    }).producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });
  // The topic probe's consumer takes a few seconds to leave its group.
  afterAll(async () => {
    await producer?.disconnect();
    await running?.stop();
  }, 30_000);

  it('dead-letters each malformed record with its reason and without its secrets, routes deep data, and keeps routing', async () => {
    const topics = topicNames(running.prefix);
    const shapes = fc.sample(fc.oneof(binaryRecord, structuredRecord, randomRecord), { numRuns: 24, seed: 18 });
    const flood: Record<string, string> = { 'content-type': 'application/json', ce_specversion: '1.0' };
    for (let i = 0; i < 3_000; i++) flood[`x-flood-${i}`] = `v${i}`;
    const hostile: HostileRecord[] = [...shapes, { value: '{}', headers: flood }].map((shape, i) => ({
      key: `hostile-${i}`,
      value: shape.value,
      headers: { ...shape.headers, ...SECRET_HEADERS },
    }));
    const deep = createEvent('webhook.received', { source: 's', payload: {} }, { source: '/test' });
    const deepRecord = encodeEvent(deep);
    deepRecord.value = Buffer.from(`{"source":"s","payload":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const after = createEvent('webhook.received', { source: 's', payload: { after: true } }, { source: '/test' });

    await producer.send({ topic: topics.ingressWebhook, acks: -1, messages: [...hostile, deepRecord] });
    await producer.send({ topic: topics.ingressWebhook, acks: -1, messages: [encodeEvent(after)] });

    for (const record of hostile) {
      const dead = await running.probe!.waitFor((m) => m.key === record.key);
      expect(dead.topic).toBe(topics.deadLetter(topics.ingressWebhook));
      expect(dead.headers['flowline-dlq-reason']).toEqual(expect.stringMatching(/\S/));
      expect(dead.headers['flowline-dlq-error-class']).toMatch(/^(NotACloudEvent|SchemaUnknown|EventDataInvalid)$/);
      const kept = JSON.stringify({ headers: dead.headers, value: dead.value });
      for (const secret of SECRET_VALUES) expect(kept).not.toContain(secret);
      expect(dead.headers['authorization']).toBe('[redacted]');
    }
    expect((await running.probe!.waitFor((m) => m.event?.id === deep.id)).topic).toBe(topics.agent('document'));
    expect((await running.probe!.waitFor((m) => m.event?.id === after.id)).topic).toBe(topics.agent('document'));
    expect((await fetch(running.url('/healthz'))).status).toBe(200);
    const logged = JSON.stringify(running.logs());
    for (const secret of SECRET_VALUES) expect(logged).not.toContain(secret);
  }, 60_000);
});
