/**
 * What the envelope carries besides JSON data of catalogue types: the exact bytes of a
 * non-JSON body, types of a source's own naming (dataschema), and structured-mode records
 * written by third-party producers (checked against the CloudEvents SDK's own encoder).
 */
import { CloudEvent, Kafka } from 'cloudevents';
import {
  createBinaryEvent,
  createEvent,
  dataSchemaUri,
  decodeEvent,
  encodeEvent,
  FlowlineEvent,
  isStructuredMode,
  withDerivedType,
} from './envelope';
import { EventDataInvalid, NotACloudEvent, SchemaUnknown } from './errors';

const notUtf8 = Buffer.from([0x66, 0x6f, 0xff, 0xfe, 0x00, 0xc3, 0x28]);

describe('binary data', () => {
  it('carries a non-JSON body as its exact bytes with its media type, and reads them back unchanged', () => {
    const event = createBinaryEvent('webhook.received', notUtf8, 'application/x-www-form-urlencoded', {
      source: '/webhook-gateway/shop',
    });
    const record = encodeEvent(event);
    expect(record.value.equals(notUtf8)).toBe(true);
    expect(record.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(record.headers['ce_datacontenttype']).toBe('application/x-www-form-urlencoded');
    const decoded = decodeEvent(record);
    expect(Buffer.isBuffer(decoded.data) && decoded.data.equals(notUtf8)).toBe(true);
    expect(decoded.datacontenttype).toBe('application/x-www-form-urlencoded');
  });

  it('carries a raw MIME message as email.incoming', () => {
    const mime = Buffer.from('From: a@example.com\r\nSubject: Invoice\r\n\r\nbody\r\n');
    const decoded = decodeEvent(
      encodeEvent(createBinaryEvent('email.incoming', mime, 'message/rfc822', { source: '/x' })),
    );
    expect(decoded).toMatchObject({ type: 'email.incoming', datacontenttype: 'message/rfc822' });
    expect(decoded.data).toEqual(mime);
  });

  it('refuses bytes for a type whose data must be JSON, naming the type', () => {
    const record = encodeEvent(
      createEvent('document.processed', { kind: 'text', text: 'x', metadata: {} }, { source: '/x' }),
    );
    const asXml = { ...record, value: Buffer.from('<a/>'), headers: { ...record.headers, 'content-type': 'text/xml' } };
    expect(() => decodeEvent(asXml)).toThrow(EventDataInvalid);
    expect(() => createBinaryEvent('webhook.received', notUtf8, 'application/json', { source: '/x' })).toThrow(
      /non-JSON media type/,
    );
  });
});

describe('derived types', () => {
  const push = () =>
    withDerivedType(
      createEvent(
        'webhook.received',
        { source: 'github', payload: { ref: 'main' } },
        { source: '/webhook-gateway/github' },
      ),
      'github.push',
    );

  it('names the catalogue schema its data follows and round-trips under its own type', () => {
    const event = push();
    const record = encodeEvent(event);
    expect(record.headers['ce_type']).toBe('github.push');
    expect(record.headers['ce_dataschema']).toBe('urn:flowline:schema:webhook.received');
    const decoded = decodeEvent(record);
    expect(decoded).toEqual(event);
    // Narrowing on dataschema gives the schema's data.
    if (decoded.dataschema === dataSchemaUri('webhook.received') && !Buffer.isBuffer(decoded.data)) {
      expect(decoded.data.payload).toEqual({ ref: 'main' });
    } else {
      throw new Error('expected webhook data');
    }
  });

  it('validates a derived type against the schema it names', () => {
    const record = encodeEvent(push());
    expect(() => decodeEvent({ ...record, value: Buffer.from('{"payload":1}') })).toThrow(EventDataInvalid);
    expect(() =>
      decodeEvent({ ...record, headers: { ...record.headers, ce_dataschema: 'urn:flowline:schema:nope.never' } }),
    ).toThrow(SchemaUnknown);
    // Another producer's schema URI says nothing about our catalogue: the type decides, and is unknown.
    expect(() =>
      decodeEvent({ ...record, headers: { ...record.headers, ce_dataschema: 'https://example.com/push.json' } }),
    ).toThrow(SchemaUnknown);
  });

  it('never lets a catalogue type claim another schema', () => {
    const record = encodeEvent(push());
    expect(() => decodeEvent({ ...record, headers: { ...record.headers, ce_type: 'invoice.received' } })).toThrow(
      /catalogue type/,
    );
    const base = createEvent('webhook.received', { source: 'x', payload: 1 }, { source: '/x' });
    expect(() => withDerivedType(base, 'invoice.received')).toThrow(/catalogue type/);
    expect(() => withDerivedType(base, 'no dots')).toThrow(/reverse-dotted/);
  });

  it('is left out when narrowing on a catalogue type', () => {
    const sizeOf = (event: FlowlineEvent): number | undefined =>
      event.type === 'file.uploaded' ? event.data.size : undefined;
    expect(sizeOf(push())).toBeUndefined();
  });
});

describe('structured mode', () => {
  const sdkStructured = (attributes: Record<string, unknown>) => {
    const message = Kafka.structured(new CloudEvent<unknown>(attributes as never, false));
    return {
      key: message.key === undefined ? null : String(message.key),
      value: Buffer.from(String(message.body)),
      headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, String(value)])),
    };
  };

  it('reads a structured-mode record from the CloudEvents SDK as the same event in binary mode', () => {
    const record = sdkStructured({
      id: 'ext-1',
      type: 'invoice.received',
      source: 'urn:erp:vendor-portal',
      subject: 'INV-7',
      datacontenttype: 'application/json',
      data: {
        document: {
          location: 's3://inbox/inv-7.pdf',
          mediaType: 'application/pdf',
          size: 1024,
          sha256: 'a'.repeat(64),
        },
        receivedVia: 'email',
      },
      partitionkey: 'vendor-9',
      correlationid: 'chain-1',
    });
    expect(isStructuredMode(record.headers)).toBe(true);
    const decoded = decodeEvent(record);
    expect(decoded).toMatchObject({
      id: 'ext-1',
      type: 'invoice.received',
      source: 'urn:erp:vendor-portal',
      subject: 'INV-7',
      partitionkey: 'vendor-9',
      correlationid: 'chain-1',
      datacontenttype: 'application/json',
    });
    // Written again, it is a binary-mode record that decodes to the same event.
    const binary = encodeEvent(decoded);
    expect(isStructuredMode(binary.headers)).toBe(false);
    expect(decodeEvent(binary)).toEqual(decoded);
  });

  it('reads data_base64 as the exact bytes of a binary-data type', () => {
    const record = sdkStructured({
      id: 'ext-2',
      type: 'webhook.received',
      source: '/elsewhere',
      datacontenttype: 'application/octet-stream',
      data: notUtf8,
    });
    expect(JSON.parse(record.value.toString())).toHaveProperty('data_base64');
    const decoded = decodeEvent(record);
    expect(decoded.data).toEqual(notUtf8);
    expect(decoded.datacontenttype).toBe('application/octet-stream');
  });

  it('refuses a structured record that is not a CloudEvent, with the reason', () => {
    const headers = { 'content-type': 'application/cloudevents+json; charset=utf-8' };
    expect(() => decodeEvent({ key: null, value: Buffer.from('{"id":"1"'), headers })).toThrow(NotACloudEvent);
    expect(() => decodeEvent({ key: null, value: Buffer.from('[1]'), headers })).toThrow(/not a JSON object/);
    expect(() => decodeEvent({ key: null, value: Buffer.from('{"id":"1","source":"/x"}'), headers })).toThrow(
      /attribute "type" is missing/,
    );
  });
});
