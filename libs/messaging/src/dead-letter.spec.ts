import fc from 'fast-check';
import { DLQ_HEADERS, deadLetterRecordHeaders } from './dead-letter';

const failure = (error: unknown) => ({
  error,
  attempts: 1,
  topic: 'flowline.ingress.webhook',
  partition: 0,
  offset: '7',
  consumerGroup: 'router',
  firstFailure: new Date('2026-12-06T00:00:00Z'),
  lastFailure: new Date('2026-12-06T00:00:01Z'),
});

describe('deadLetterRecordHeaders', () => {
  it('keeps the original headers byte for byte and adds why and where it failed', () => {
    const id = Buffer.from('event-1');
    const headers = deadLetterRecordHeaders({ ce_id: id, ce_type: 'webhook.received' }, failure(new Error('bad data')));
    expect(headers['ce_id']).toBe(id);
    expect(headers).toMatchObject({
      ce_type: 'webhook.received',
      [DLQ_HEADERS.reason]: 'bad data',
      [DLQ_HEADERS.originalTopic]: 'flowline.ingress.webhook',
      [DLQ_HEADERS.originalOffset]: '7',
      [DLQ_HEADERS.consumerGroup]: 'router',
    });
  });

  it('redacts credential and signature headers, and masks URL passwords in the rest, the reason and the stack', () => {
    const secrets = {
      authorization: Buffer.from('Bearer tok-one'),
      cookie: 'session=cookie-two',
      'x-hub-signature-256': 'sha256=hub-three',
      'Stripe-Signature': 't=1,v1=stripe-four',
      'webhook-signature': 'v1,standard-five',
      'svix-signature': 'v1,svix-six',
      'x-api-key': 'key-seven',
    };
    const error = new Error('cannot reach amqp://guest:pw-eight@rabbit:5672 for https://h/x?token=tok-nine');
    const headers = deadLetterRecordHeaders(
      { ...secrets, ce_source: 'https://user:pw-ten@example.com/feed' },
      failure(error),
    );
    const kept = JSON.stringify(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
    for (const secret of ['tok-one', 'cookie-two', 'hub-three', 'stripe-four', 'standard-five', 'svix-six']) {
      expect(kept).not.toContain(secret);
    }
    for (const secret of ['key-seven', 'pw-eight', 'tok-nine', 'pw-ten']) expect(kept).not.toContain(secret);
    for (const name of Object.keys(secrets)) expect(headers[name]).toBe('[redacted]');
    expect(headers['ce_source']).toBe('https://user:[redacted]@example.com/feed');
  });

  it('cuts a reason quoting a megabyte header to a size Kafka takes', () => {
    const headers = deadLetterRecordHeaders({}, failure(new Error(`ce_time "${'9'.repeat(1_000_000)}" is not a time`)));
    expect(String(headers[DLQ_HEADERS.reason]).length).toBeLessThanOrEqual(2_000);
    expect(String(headers[DLQ_HEADERS.stack]).length).toBeLessThanOrEqual(4_000);
  });

  it('keeps no secret header value, whatever the other headers and the header names case', () => {
    const secretName = fc.constantFrom(
      'Authorization',
      'COOKIE',
      'X-Hub-Signature-256',
      'stripe-signature',
      'X-Api-Key',
    );
    const other = fc.dictionary(
      fc.string({ maxLength: 20 }),
      fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null)),
      { maxKeys: 10 },
    );
    fc.assert(
      fc.property(secretName, other, fc.boolean(), (name, headers, asBuffer) => {
        const secret = 'never-kept-4f1a';
        const kept = deadLetterRecordHeaders(
          { ...headers, [name]: asBuffer ? Buffer.from(secret) : secret } as Parameters<
            typeof deadLetterRecordHeaders
          >[0],
          failure(new Error('bad')),
        );
        expect(Object.values(kept).map(String).join('\n')).not.toContain(secret);
      }),
      { numRuns: 300 },
    );
  });
});
