import { ArchivedRecord, cleanText, isSecretHeader, recordColumns } from './record-columns';
import { headersWithAttributes, StoredEventRow } from './stored-event';

/** The row PostgreSQL gives back for a record's columns (timestamps as Date, jsonb parsed). */
function rowOf(record: ArchivedRecord): StoredEventRow {
  const columns = recordColumns(record);
  return {
    ...columns,
    time: columns.time === null ? null : new Date(columns.time),
    kafka_timestamp: new Date(columns.kafkaTimestamp),
    headers: JSON.parse(columns.headers) as Record<string, string | null>,
    data: columns.data === null ? null : (JSON.parse(columns.data) as unknown),
    value_base64: columns.valueBase64,
    value_text: columns.valueText,
    archived_at: new Date(),
    redriven_at: null,
    redriven_to: null,
  };
}

function record(headers: Record<string, string>): ArchivedRecord {
  return {
    topic: 't',
    partition: 0,
    offset: '1',
    timestamp: new Date('2025-03-01T10:00:00.000Z'),
    key: null,
    value: Buffer.from('{}'),
    headers,
  };
}

describe('headersWithAttributes', () => {
  const attributes = {
    ce_specversion: '1.0',
    ce_id: 'e-1',
    ce_type: 'invoice.received',
    ce_source: '/email-agent',
    ce_subject: 'inbox/7',
    ce_time: '2025-03-01T09:59:59.999Z',
    ce_correlationid: 'c-1',
    ce_causationid: 'p-1',
    ce_schemaversion: '2',
    ce_partitionkey: 'k',
    'content-type': 'application/json',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  };

  it.each([
    ['every attribute in canonical form', attributes],
    ['a ce_time with microseconds and a zone offset', { ...attributes, ce_time: '2025-03-01T10:59:59.999123+01:00' }],
    ['an unreadable ce_time and ce_schemaversion', { ...attributes, ce_time: 'yesterday', ce_schemaversion: 'v2' }],
    ['a ce_schemaversion with a leading zero', { ...attributes, ce_schemaversion: '02' }],
    ['no ce_correlationid (its column then holds the id)', (({ ce_correlationid: _c, ...rest }) => rest)(attributes)],
    ['no ce_id and no attributes at all (an undecodable dead letter)', { 'flowline-dlq-reason': 'not a CloudEvent' }],
    ['a secret header, which is not stored', { ...attributes, 'x-hub-signature-256': 'sha256=abc' }],
  ])('gives back the headers the record carried: %s', (_case, headers) => {
    expect(headersWithAttributes(rowOf(record(headers)))).toEqual(storedHeaders(headers));
  });

  it('invents no header on a row written before attributes were left out of headers (no ce_correlationid from the id)', () => {
    const { ce_correlationid: _c, ...withoutCorrelation } = attributes;
    // The old writer stored every header and filled the correlationid column from the id.
    const row = { ...rowOf(record(withoutCorrelation)), correlationid: 'e-1', headers: { ...withoutCorrelation } };
    expect(headersWithAttributes(row)).toEqual(withoutCorrelation);
  });

  it('prefers a header stored in full (rows written before attributes were left out of headers)', () => {
    const row = { ...rowOf(record(attributes)), headers: { ...attributes } };
    expect(headersWithAttributes(row)).toEqual(attributes);
  });
});

/** The oracle: every header the record carried except the secret ones, as text PostgreSQL holds. */
function storedHeaders(headers: Record<string, string>): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!isSecretHeader(name)) stored[cleanText(name)] = cleanText(value);
  }
  return stored;
}
