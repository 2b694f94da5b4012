import { CloudEvent, Kafka } from 'cloudevents';
import { createEvent, decodeEvent, derivedEventId, encodeEvent, stableEventId } from './envelope';
import { EventDataInvalid, NotACloudEvent, SchemaUnknown } from './errors';

const received = () =>
  createEvent(
    'webhook.received',
    { source: 'github', payload: { ref: 'main' } },
    { source: '/webhook-gateway/github' },
  );

describe('event envelope', () => {
  it('starts a new chain: correlation id is the event id, no causation id', () => {
    const event = received();
    expect(event.correlationid).toBe(event.id);
    expect(event.causationid).toBeUndefined();
    expect(event.specversion).toBe('1.0');
    expect(event.schemaversion).toBe(1);
  });

  it('carries the correlation id down the chain and names the direct cause', () => {
    const first = received();
    const second = createEvent(
      'document.processed',
      { kind: 'json', text: '{}', metadata: {} },
      { source: '/document-agent', causedBy: first },
    );
    const third = createEvent(
      'document.processed',
      { kind: 'json', text: '{}', metadata: {} },
      { source: '/document-agent', causedBy: second },
    );
    expect(third.correlationid).toBe(first.id);
    expect(third.causationid).toBe(second.id);
  });

  it('writes binary content mode: ce_ headers, JSON data as the value, partition key as the message key', () => {
    const event = received();
    const record = encodeEvent(event);
    expect(record.headers['ce_id']).toBe(event.id);
    expect(record.headers['ce_type']).toBe('webhook.received');
    expect(record.headers['ce_specversion']).toBe('1.0');
    expect(record.headers['ce_correlationid']).toBe(event.id);
    expect(record.headers['content-type']).toBe('application/json');
    expect(record.key).toBe(event.partitionkey);
    expect(JSON.parse(record.value.toString())).toEqual(event.data);
  });

  it('round-trips through Kafka bytes (Buffer headers, as a client delivers them)', () => {
    const event = createEvent(
      'document.processed',
      { kind: 'json', text: 'x', metadata: { a: 1 } },
      { source: '/document-agent', causedBy: received(), subject: 'doc-1' },
    );
    const record = encodeEvent(event);
    const asDelivered = {
      key: Buffer.from(record.key),
      value: record.value,
      headers: Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(String(v))])),
    };
    expect(decodeEvent(asDelivered)).toEqual(event);
  });

  it('decodes a record that carries a header without a value (Kafka allows null header values)', () => {
    const event = received();
    const record = encodeEvent(event);
    expect(
      decodeEvent({ ...record, headers: { ...record.headers, 'x-empty': null, 'x-repeated': ['a', null] } }),
    ).toEqual(event);
  });

  it('reads an event written by the CloudEvents SDK itself', () => {
    const sdkEvent = new CloudEvent({
      type: 'webhook.received',
      source: '/elsewhere',
      datacontenttype: 'application/json',
      data: { source: 'x', payload: [1] },
      partitionkey: 'k1',
      correlationid: 'c-1',
      schemaversion: '1',
    });
    const message = Kafka.binary(sdkEvent);
    const decoded = decodeEvent({
      key: 'k1',
      value: Buffer.from(JSON.stringify(message.value)),
      headers: message.headers,
    });
    expect(decoded).toMatchObject({
      id: sdkEvent.id,
      type: 'webhook.received',
      correlationid: 'c-1',
      data: { source: 'x', payload: [1] },
    });
  });

  it('rejects an unknown type, an unknown version and invalid data with typed errors', () => {
    const record = encodeEvent(received());
    expect(() => decodeEvent({ ...record, headers: { ...record.headers, ce_type: 'nope.never' } })).toThrow(
      SchemaUnknown,
    );
    expect(() => decodeEvent({ ...record, headers: { ...record.headers, ce_schemaversion: '99' } })).toThrow(
      SchemaUnknown,
    );
    expect(() => decodeEvent({ ...record, value: Buffer.from('{"payload":1}') })).toThrow(EventDataInvalid);
    expect(() => decodeEvent({ key: null, value: Buffer.from('{}'), headers: {} })).toThrow(NotACloudEvent);
  });

  it('refuses to create an event whose data breaks its schema', () => {
    expect(() => createEvent('document.processed', { kind: '', text: 'x', metadata: {} }, { source: '/x' })).toThrow(
      EventDataInvalid,
    );
  });
});

describe('stable event ids', () => {
  it('gives the same input the same id and different inputs different ids', () => {
    expect(stableEventId('webhook', 'github', 'd-1')).toBe(stableEventId('webhook', 'github', 'd-1'));
    expect(stableEventId('webhook', 'github', 'd-1')).not.toBe(stableEventId('webhook', 'github', 'd-2'));
    expect(derivedEventId('a', 'document.processed')).not.toBe(derivedEventId('b', 'document.processed'));
    expect(stableEventId('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
