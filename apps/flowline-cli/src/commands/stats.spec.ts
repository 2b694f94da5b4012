import { captureContext, NOW } from '../test-fixtures/cli-context';
import { FakeEventStore } from '../test-fixtures/fake-event-store';
import { FakeTopicReader } from '../test-fixtures/fake-kafka';
import { statsCommand } from './stats';

function world() {
  const store = new FakeEventStore();
  store.statsResult = {
    total: 42,
    byTypeAndTopic: [
      { type: 'invoice.received', topic: 'acme.agent.invoice', count: 30 },
      { type: null, topic: 'acme.ingress.webhook', count: 2 },
      { type: 'invoice.received', topic: 'other.agent.invoice', count: 10 },
    ],
    deadLetters: [{ topic: 'acme.agent.invoice.dlq', count: 3, redriven: 1 }],
    hops: [{ fromType: 'invoice.received', toType: 'invoice.processed', count: 30, p50Ms: 45, p99Ms: 1_250 }],
  };
  const reader = new FakeTopicReader({});
  reader.lag = [
    {
      groupId: 'invoice-agent',
      topic: 'acme.agent.invoice',
      partition: 0,
      committedOffset: '10',
      endOffset: '15',
      lag: 5,
    },
    {
      groupId: 'invoice-agent',
      topic: 'acme.agent.invoice',
      partition: 1,
      committedOffset: '3',
      endOffset: '5',
      lag: 2,
    },
    {
      groupId: 'invoice-agent',
      topic: 'acme.agent.invoice',
      partition: 2,
      committedOffset: null,
      endOffset: '4',
      lag: 4,
    },
    {
      groupId: 'other-agent',
      topic: 'other.agent.invoice',
      partition: 0,
      committedOffset: '0',
      endOffset: '9',
      lag: 9,
    },
  ];
  return { store, reader };
}

describe('stats', () => {
  it('shows events per type and topic, dead letters, hop latency and lag per group and topic', async () => {
    const { store, reader } = world();
    const context = captureContext();
    await statsCommand(
      store,
      reader,
      { since: new Date('2026-11-22T11:00:00.000Z'), sinceText: '1h', json: false, topicPrefix: '' },
      context,
    );
    const text = context.stdout();
    expect(text).toContain('42 records stored from 2026-11-22T11:00:00.000Z to 2026-11-22T12:00:00.000Z (since 1h)');
    expect(text).toMatch(/invoice\.received +acme\.agent\.invoice +30/);
    expect(text).toMatch(/\(no type\) +acme\.ingress\.webhook +2/);
    expect(text).toMatch(/acme\.agent\.invoice\.dlq +3 +1/);
    expect(text).toMatch(/invoice\.received +invoice\.processed +30 +45 ms +1\.25 s/);
    expect(text).toMatch(/invoice-agent +acme\.agent\.invoice +7 +3 \(1 never committed\)/);
    expect(store.statsWindows).toEqual([{ from: new Date('2026-11-22T11:00:00.000Z'), to: NOW }]);
  });

  it('shows only the topics of FLOWLINE_TOPIC_PREFIX when it is set', async () => {
    const { store, reader } = world();
    const context = captureContext();
    await statsCommand(
      store,
      reader,
      { since: new Date('2026-11-22T11:00:00.000Z'), sinceText: '1h', json: true, topicPrefix: 'acme.' },
      context,
    );
    const report = JSON.parse(context.stdout()) as {
      total: number;
      byTypeAndTopic: { topic: string }[];
      consumerLag: { groupId: string }[];
      window: unknown;
    };
    expect(report.total).toBe(32);
    expect(report.byTypeAndTopic.map((row) => row.topic)).toEqual(['acme.agent.invoice', 'acme.ingress.webhook']);
    expect(report.consumerLag.map((row) => row.groupId)).not.toContain('other-agent');
    expect(report.window).toEqual({ from: '2026-11-22T11:00:00.000Z', to: '2026-11-22T12:00:00.000Z' });
  });

  it('says "none" for empty sections', async () => {
    const context = captureContext();
    await statsCommand(
      new FakeEventStore(),
      new FakeTopicReader({}),
      { since: new Date(0), sinceText: '7d', json: false, topicPrefix: '' },
      context,
    );
    expect(context.stdout()).toContain('Dead letters: none');
    expect(context.stdout()).toContain('Consumer lag: none');
  });
});
