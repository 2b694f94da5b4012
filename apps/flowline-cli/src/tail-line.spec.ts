import { consumedRecord, webhookRecord } from './test-fixtures/fake-kafka';
import { tailLine } from './tail-line';

describe('tailLine', () => {
  it('prints a decoded event as time, topic, type, id, correlation id and source', () => {
    const line = tailLine(webhookRecord('ingress.webhook', 5, 'ev-1', { correlationid: 'c-1' }), {}, false);
    expect(line).toEqual({
      stream: 'out',
      text: '2026-11-22T10:00:00.005Z  ingress.webhook  webhook.received  id=ev-1  correlationid=c-1  source=/webhook-gateway/github\n',
    });
  });

  it('prints the event object as one line of JSON with --json', () => {
    const line = tailLine(webhookRecord('ingress.webhook', 5, 'ev-1'), {}, true);
    expect(line?.stream).toBe('out');
    expect(line?.text.endsWith('\n')).toBe(true);
    expect(line?.text.trimEnd()).not.toContain('\n');
    expect(JSON.parse(line?.text ?? '')).toMatchObject({
      id: 'ev-1',
      type: 'webhook.received',
      data: { source: 'github' },
    });
  });

  it('filters on type, correlation id and source', () => {
    const record = webhookRecord('ingress.webhook', 5, 'ev-1', { correlationid: 'c-1' });
    expect(tailLine(record, { type: 'file.uploaded' }, false)).toBeUndefined();
    expect(tailLine(record, { correlation: 'c-2' }, false)).toBeUndefined();
    expect(tailLine(record, { source: '/elsewhere' }, false)).toBeUndefined();
    expect(
      tailLine(record, { type: 'webhook.received', correlation: 'c-1', source: '/webhook-gateway/github' }, false),
    ).toBeDefined();
  });

  it('prints an undecodable record with its position and the reason instead of failing', () => {
    const line = tailLine(
      consumedRecord('ingress.webhook', 7, { partition: 1, headers: { ce_id: 'x', ce_type: 'no.such.type' } }),
      {},
      false,
    );
    expect(line?.stream).toBe('out');
    expect(line?.text.startsWith('2026-11-22T10:00:00.007Z  ingress.webhook  1:7  undecodable: ')).toBe(true);
    expect(line?.text.endsWith('  type=no.such.type  id=x\n')).toBe(true);
  });

  it('keeps stdout pure JSON: an undecodable record goes to stderr with --json', () => {
    expect(tailLine(consumedRecord('t', 1, { value: 'not json at all' }), {}, true)?.stream).toBe('err');
  });

  it('filters undecodable records on what their headers say', () => {
    const record = consumedRecord('t', 1, { headers: { ce_type: 'odd.type' } });
    expect(tailLine(record, { type: 'webhook.received' }, false)).toBeUndefined();
    expect(tailLine(record, { type: 'odd.type' }, false)).toBeDefined();
  });
});
