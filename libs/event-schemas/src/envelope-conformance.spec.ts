/**
 * The envelope's binary-mode codec is hand-written for speed; these tests hold it to the
 * `cloudevents` SDK for every type of the catalogue: the same headers the SDK writes, the SDK
 * reads our records as the same event, and we read the SDK's records.
 */
import { CloudEvent, Kafka, KafkaMessage } from 'cloudevents';
import { EVENT_TYPES } from './event-catalog';
import { eventExamples } from './event-examples';
import { createEvent, decodeEvent, encodeEvent, FlowlineEvent } from './envelope';
import { EventDataInvalid, NotACloudEvent } from './errors';

function exampleEvent(type: (typeof EVENT_TYPES)[number], withCause: boolean): FlowlineEvent {
  const cause = createEvent('webhook.received', eventExamples['webhook.received'], {
    source: '/webhook-gateway/github',
  });
  return createEvent(type, eventExamples[type] as never, {
    source: '/conformance',
    subject: `subject-of-${type}`,
    ...(withCause ? { causedBy: cause } : {}),
  });
}

function sdkRecord(event: FlowlineEvent): { key: string; value: Buffer; headers: Record<string, string> } {
  const message = Kafka.binary(
    new CloudEvent<unknown>({ ...event, schemaversion: String(event.schemaversion) }, false),
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) if (value !== undefined) headers[name] = String(value);
  return { key: String(message.key), value: Buffer.from(JSON.stringify(message.value)), headers };
}

describe.each(EVENT_TYPES.flatMap((type) => [[type, true] as const, [type, false] as const]))(
  'binary mode of %s (caused: %s)',
  (type, withCause) => {
    const event = exampleEvent(type, withCause);

    it('writes exactly the headers, key and value the CloudEvents SDK writes', () => {
      const ours = encodeEvent(event);
      const theirs = sdkRecord(event);
      expect(ours.headers).toEqual(theirs.headers);
      expect(ours.key).toBe(theirs.key);
      expect(JSON.parse(ours.value.toString())).toEqual(JSON.parse(theirs.value.toString()));
    });

    it('is read by the CloudEvents SDK as the same event', () => {
      const ours = encodeEvent(event);
      const message: KafkaMessage<Buffer> = {
        headers: ours.headers,
        key: ours.key,
        value: ours.value,
        body: ours.value,
      };
      const read = Kafka.toEvent(message) as CloudEvent<unknown>;
      expect(read.validate()).toBe(true);
      expect({
        id: read.id,
        type: read.type,
        source: read.source,
        time: read.time,
        subject: read.subject,
        data: read.data,
      }).toEqual({
        id: event.id,
        type: event.type,
        source: event.source,
        time: event.time,
        subject: event.subject,
        data: event.data,
      });
      expect(read['correlationid']).toBe(event.correlationid);
      expect(read['causationid']).toBe(event.causationid);
      expect(read['partitionkey']).toBe(event.partitionkey);
    });

    it('reads what the CloudEvents SDK writes', () => {
      expect(decodeEvent(sdkRecord(event))).toEqual(event);
    });
  },
);

describe('binary mode decoding rejects what the SDK would', () => {
  const record = encodeEvent(exampleEvent('webhook.received', false));

  it.each(['ce_id', 'ce_source', 'ce_type', 'ce_specversion'])('a record without %s', (header) => {
    const headers = { ...record.headers };
    delete headers[header];
    expect(() => decodeEvent({ ...record, headers })).toThrow(NotACloudEvent);
    expect(() => decodeEvent({ ...record, headers })).toThrow(header);
  });

  it('another spec version, a time that is not RFC 3339, data that is not JSON', () => {
    expect(() => decodeEvent({ ...record, headers: { ...record.headers, ce_specversion: '0.3' } })).toThrow(
      NotACloudEvent,
    );
    expect(() => decodeEvent({ ...record, headers: { ...record.headers, ce_time: 'yesterday' } })).toThrow(
      NotACloudEvent,
    );
    expect(() => decodeEvent({ ...record, value: Buffer.from('{not json') })).toThrow(EventDataInvalid);
  });

  it('takes the partition key from the message key when the record has no partitionkey header, as the SDK does', () => {
    const headers = { ...record.headers };
    delete headers['ce_partitionkey'];
    expect(decodeEvent({ ...record, key: Buffer.from('vendor-42'), headers }).partitionkey).toBe('vendor-42');
    expect(decodeEvent({ ...record, key: null, headers }).partitionkey).toBe(headers['ce_correlationid']);
  });

  it('normalises an RFC 3339 time with an offset to UTC, as the SDK does', () => {
    const decoded = decodeEvent({ ...record, headers: { ...record.headers, ce_time: '2026-11-22T10:00:00+02:00' } });
    expect(decoded.time).toBe('2026-11-22T08:00:00.000Z');
  });

  it.each([
    ['2026-11-22T10:00:00.123Z', '2026-11-22T10:00:00.123Z'],
    ['2026-11-30T23:59:59.999Z', '2026-11-30T23:59:59.999Z'],
    ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22t10:00:00.5z', '2026-11-22T10:00:00.500Z'],
  ])('reads ce_time %s as %s (UTC, milliseconds)', (written, expected) => {
    const decoded = decodeEvent({ ...record, headers: { ...record.headers, ce_time: written } });
    expect(decoded.time).toBe(expected);
  });

  it.each(['2026-13-01T00:00:00.000Z', '2026-11-22T10:60:00.000Z', '2026-11-22 10:00'])(
    'rejects ce_time %s',
    (written) => {
      expect(() => decodeEvent({ ...record, headers: { ...record.headers, ce_time: written } })).toThrow(
        NotACloudEvent,
      );
    },
  );
});
