import type { EventTrace, TraceNode } from './ports';
import { renderTrace, traceToJson } from './render-trace';

const t0 = Date.parse('2026-11-22T10:00:00.000Z');

function node(
  id: string,
  type: string,
  ms: number,
  sinceParentMs: number | null,
  fields: Partial<TraceNode> = {},
): TraceNode {
  return {
    id,
    type,
    source: '/test',
    time: new Date(t0 + ms),
    causationid: null,
    sinceParentMs,
    appearances: [{ topic: 'events.domain', partition: 0, offset: String(ms), kafkaTimestamp: new Date(t0 + ms) }],
    status: 'processed',
    children: [],
    ...fields,
  };
}

function sampleTrace(): EventTrace {
  const processed = node('e3', 'invoice.processed', 1_500, 1_380, {
    status: 'dead-lettered',
    appearances: [
      { topic: 'agent.invoice', partition: 0, offset: '7', kafkaTimestamp: new Date(t0 + 1_500) },
      { topic: 'agent.invoice.dlq', partition: 0, offset: '0', kafkaTimestamp: new Date(t0 + 1_600) },
    ],
    deadLetter: { reason: 'total does not match\nline items', attempts: 3 },
  });
  const invoice = node('e2', 'invoice.received', 120, 120, { children: [processed] });
  const classified = node('e4', 'email.classified', 200, 200, { status: 'unrouted' });
  const root = node('e1', 'email.incoming', 0, null, {
    appearances: [{ topic: 'ingress.webhook', partition: 2, offset: '5', kafkaTimestamp: new Date(t0) }],
    children: [invoice, classified],
  });
  return {
    correlationId: 'e1',
    roots: [root],
    eventCount: 4,
    firstTime: new Date(t0),
    lastTime: new Date(t0 + 1_500),
    stoppedAt: [processed, classified],
  };
}

describe('renderTrace', () => {
  it('draws children under their cause with ├─ └─ │, each with its time since the parent', () => {
    const lines = renderTrace(sampleTrace()).split('\n');
    expect(lines[1]).toBe('email.incoming  ingress.webhook  2026-11-22T10:00:00.000Z  processed  [e1]');
    expect(lines[2]).toBe('├─ invoice.received  events.domain  2026-11-22T10:00:00.120Z  +120 ms  processed  [e2]');
    expect(
      lines[3]?.startsWith(
        '│  └─ invoice.processed  agent.invoice, agent.invoice.dlq  2026-11-22T10:00:01.500Z  +1.38 s  DLQ: ',
      ),
    ).toBe(true);
    expect(lines[4]).toBe(
      '└─ email.classified  events.domain  2026-11-22T10:00:00.200Z  +200 ms  unrouted (no routing rule matched)  [e4]',
    );
  });

  it('heads the tree with the correlation id, the event count and the total span', () => {
    expect(renderTrace(sampleTrace()).split('\n')[0]).toBe(
      'correlation e1: 4 events over 1.5 s (2026-11-22T10:00:00.000Z → 2026-11-22T10:00:01.500Z)',
    );
  });

  it('shows a dead letter with its reason on one line and its attempts', () => {
    expect(renderTrace(sampleTrace())).toContain('DLQ: total does not match line items (3 attempts)  [e3]');
  });

  it('ends with a line naming where the chain stopped', () => {
    const lines = renderTrace(sampleTrace()).trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe(
      'stopped at: invoice.processed e3 on agent.invoice, agent.invoice.dlq (DLQ: total does not match line items (3 attempts)); email.classified e4 on events.domain (unrouted (no routing rule matched))',
    );
  });

  it('has no stopped-at line when every event was processed', () => {
    const trace: EventTrace = {
      ...sampleTrace(),
      roots: [node('e1', 'file.uploaded', 0, null)],
      eventCount: 1,
      lastTime: new Date(t0),
      stoppedAt: [],
    };
    expect(renderTrace(trace)).not.toContain('stopped at');
    expect(renderTrace(trace).split('\n')[0]).toContain('1 event over 0 ms');
  });

  it('says where a redriven event went', () => {
    const redriven = node('e9', 'invoice.received', 0, null, {
      status: 'redriven',
      deadLetter: {
        reason: 'timeout',
        attempts: 1,
        redrivenTo: 'agent.invoice',
        redrivenAt: new Date('2026-11-22T11:00:00.000Z'),
      },
    });
    expect(renderTrace({ ...sampleTrace(), roots: [redriven], stoppedAt: [] })).toContain(
      'redriven to agent.invoice at 2026-11-22T11:00:00.000Z (was DLQ: timeout (1 attempt))',
    );
  });

  it('keeps the connector column for deep chains under a non-last child', () => {
    const deep = node('c', 'c.t', 30, 10);
    const middle = node('b', 'b.t', 20, 10, { children: [deep] });
    const first = node('a', 'a.t', 10, 10, { children: [middle] });
    const last = node('z', 'z.t', 40, 40);
    const text = renderTrace({
      ...sampleTrace(),
      roots: [node('r', 'r.t', 0, null, { children: [first, last] })],
      stoppedAt: [],
    });
    expect(
      text
        .split('\n')
        .slice(2, 5)
        .map((line) => line.slice(0, 12)),
    ).toEqual(['├─ a.t  even', '│  └─ b.t  e', '│     └─ c.t']);
  });
});

describe('traceToJson', () => {
  it('prints the trace as JSON with ISO-8601 dates', () => {
    const parsed = JSON.parse(traceToJson(sampleTrace()));
    expect(parsed.correlationId).toBe('e1');
    expect(parsed.firstTime).toBe('2026-11-22T10:00:00.000Z');
    expect(parsed.roots[0].children[0].children[0].deadLetter.reason).toBe('total does not match\nline items');
  });
});
