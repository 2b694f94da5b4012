import { deadLetterInfo, StoredEvent } from './stored-event';
import { buildTrace, TraceNode } from './trace-tree';

const t0 = new Date('2025-03-01T10:00:00.000Z');
const at = (ms: number): Date => new Date(t0.getTime() + ms);
let nextOffset = 0;

function stored(fields: Partial<StoredEvent> & { id: string | null; topic: string; time: Date }): StoredEvent {
  nextOffset++;
  return {
    type: 'test.event',
    source: '/test',
    subject: null,
    correlationid: 'root',
    causationid: null,
    schemaversion: 1,
    partition: 0,
    offset: String(nextOffset),
    kafkaTimestamp: new Date(fields.time.getTime() + 3),
    key: null,
    headers: {},
    data: null,
    valueBase64: null,
    valueText: null,
    archivedAt: t0,
    ...fields,
  };
}

function deadLetter(
  original: StoredEvent,
  reason: string,
  redrive?: { redrivenAt: Date; redrivenTo: string },
): StoredEvent {
  return {
    ...original,
    topic: `${original.topic}.dlq`,
    offset: String(++nextOffset),
    kafkaTimestamp: new Date(original.kafkaTimestamp.getTime() + 500),
    deadLetter: deadLetterInfo({ 'flowline-dlq-reason': reason, 'flowline-dlq-attempts': '5' }, redrive),
  };
}

const ids = (nodes: readonly TraceNode[]): string[] => nodes.map((node) => node.id);

describe('buildTrace', () => {
  const webhook = stored({ id: 'root', type: 'webhook.received', topic: 'ingress.webhook', time: at(0) });
  const forwarded = { ...webhook, topic: 'agent.document', offset: '900', kafkaTimestamp: at(40) };
  const document = stored({
    id: 'doc',
    type: 'document.processed',
    topic: 'events.domain',
    time: at(120),
    causationid: 'root',
  });
  const invoice = stored({
    id: 'inv',
    type: 'invoice.received',
    topic: 'agent.invoice',
    time: at(150),
    causationid: 'doc',
  });

  it('makes one node per event id, with every topic it appeared on, oldest first', () => {
    const trace = buildTrace('root', [document, forwarded, webhook, invoice]);
    expect(trace?.eventCount).toBe(3);
    expect(trace?.roots.map((root) => root.appearances.map((a) => a.topic))).toEqual([
      ['ingress.webhook', 'agent.document'],
    ]);
  });

  it('hangs each event under the event its causationid names, with the time since its parent', () => {
    const trace = buildTrace('root', [invoice, document, webhook]);
    const root = trace?.roots[0];
    expect(ids(trace?.roots ?? [])).toEqual(['root']);
    expect(root?.sinceParentMs).toBeNull();
    expect(ids(root?.children ?? [])).toEqual(['doc']);
    expect(root?.children[0]?.sinceParentMs).toBe(120);
    expect(root?.children[0]?.children[0]).toMatchObject({
      id: 'inv',
      type: 'invoice.received',
      sinceParentMs: 30,
      status: 'processed',
    });
    expect(trace?.firstTime).toEqual(at(0));
    expect(trace?.lastTime).toEqual(at(150));
    expect(trace?.stoppedAt).toEqual([]);
  });

  it('marks an event with an unredriven dead letter as dead-lettered, with its reason, and lists it where the chain stopped', () => {
    const trace = buildTrace('root', [webhook, document, invoice, deadLetter(invoice, 'total is negative')]);
    const failed = trace?.roots[0]?.children[0]?.children[0];
    expect(failed?.status).toBe('dead-lettered');
    expect(failed?.deadLetter).toMatchObject({ reason: 'total is negative', attempts: 5 });
    expect(failed?.appearances.map((a) => a.topic)).toEqual(['agent.invoice', 'agent.invoice.dlq']);
    expect(ids(trace?.stoppedAt ?? [])).toEqual(['inv']);
  });

  it('marks a dead-lettered event as redriven once its dead letter carries a redrive mark', () => {
    const redrive = { redrivenAt: at(60_000), redrivenTo: 'agent.invoice' };
    const trace = buildTrace('root', [webhook, document, invoice, deadLetter(invoice, 'store down', redrive)]);
    const node = trace?.roots[0]?.children[0]?.children[0];
    expect(node?.status).toBe('redriven');
    expect(node?.deadLetter).toMatchObject({ reason: 'store down', redrivenTo: 'agent.invoice' });
    expect(trace?.stoppedAt).toEqual([]);
  });

  it('says dead-lettered again when a redriven event failed a second time', () => {
    const redrive = { redrivenAt: at(60_000), redrivenTo: 'agent.invoice' };
    const trace = buildTrace('root', [
      webhook,
      document,
      invoice,
      deadLetter(invoice, 'first', redrive),
      deadLetter(invoice, 'second'),
    ]);
    const node = trace?.roots[0]?.children[0]?.children[0];
    expect(node?.status).toBe('dead-lettered');
    expect(node?.deadLetter?.reason).toBe('second');
  });

  it('marks an event that reached events.unrouted (with a tenant prefix) as unrouted', () => {
    const unrouted = stored({ id: 'lost', topic: 'tenant-a.events.unrouted', time: at(10), causationid: 'root' });
    const trace = buildTrace('root', [webhook, unrouted]);
    expect(trace?.roots[0]?.children[0]?.status).toBe('unrouted');
    expect(ids(trace?.stoppedAt ?? [])).toEqual(['lost']);
  });

  it('makes an event whose parent is missing a root, and orders roots and children by time', () => {
    const late = stored({ id: 'b', topic: 'events.domain', time: at(300), causationid: 'root' });
    const early = stored({ id: 'a', topic: 'events.domain', time: at(200), causationid: 'root' });
    const orphan = stored({ id: 'orphan', topic: 'events.domain', time: at(-50), causationid: 'never-stored' });
    const trace = buildTrace('root', [late, webhook, orphan, early]);
    expect(ids(trace?.roots ?? [])).toEqual(['orphan', 'root']);
    expect(ids(trace?.roots[1]?.children ?? [])).toEqual(['a', 'b']);
  });

  it('survives causation cycles and self-causation: every event appears exactly once', () => {
    const a = stored({ id: 'a', topic: 'x', time: at(1), causationid: 'b' });
    const b = stored({ id: 'b', topic: 'x', time: at(2), causationid: 'a' });
    const c = stored({ id: 'c', topic: 'x', time: at(3), causationid: 'b' });
    const self = stored({ id: 'self', topic: 'x', time: at(4), causationid: 'self' });
    const trace = buildTrace('root', [c, b, a, self]);
    const seen: string[] = [];
    const walk = (nodes: readonly TraceNode[]): void => {
      for (const node of nodes) {
        seen.push(node.id);
        walk(node.children);
      }
    };
    walk(trace?.roots ?? []);
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'self']);
    expect(trace?.eventCount).toBe(4);
  });

  it('builds a chain of 20,000 events without running out of stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) =>
      stored({ id: `e${i}`, topic: 'x', time: at(i), causationid: i === 0 ? null : `e${i - 1}` }),
    );
    const trace = buildTrace('e0', chain);
    let depth = 0;
    for (let node = trace?.roots[0]; node !== undefined; node = node.children[0]) depth++;
    expect(depth).toBe(20_000);
  });

  it('fills attributes the original record lacks from its dead letter, and the time from Kafka when ce_time is missing', () => {
    const noTime = stored({ id: 'n', topic: 'agent.sync', time: at(0), type: null });
    const withoutTime = { ...noTime, time: null, kafkaTimestamp: at(77) };
    const letter = { ...deadLetter(withoutTime, 'bad'), type: 'from.dlq' };
    const trace = buildTrace('n', [letter, withoutTime]);
    expect(trace?.roots[0]).toMatchObject({ type: 'from.dlq', time: at(77) });
  });

  it('gives no trace when no row has an event id', () => {
    expect(buildTrace('none', [])).toBeUndefined();
    expect(buildTrace('none', [stored({ id: null, topic: 'x.dlq', time: at(0) })])).toBeUndefined();
  });
});
