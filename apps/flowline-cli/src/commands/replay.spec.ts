import { DLQ_HEADERS } from '@flowline/event-schemas';
import { UsageError } from '../cli-error';
import type { TimeOrOffset } from '../parse-time';
import { captureContext } from '../test-fixtures/cli-context';
import { FakeEventStore, storedEvent } from '../test-fixtures/fake-event-store';
import { consumedRecord, FakePublisher, FakeTopicReader } from '../test-fixtures/fake-kafka';
import { replayCommand, ReplayOptions, STORE_PAGE_SIZE } from './replay';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 22, 10, 0, 0, ms));

function kafkaRecord(
  offset: number,
  id: string,
  type: string,
  correlationid: string,
  extra: Record<string, string> = {},
) {
  return consumedRecord('events.domain', offset, {
    key: `key-${id}`,
    value: `{"id":"${id}"}`,
    timestamp: at(offset),
    headers: { ce_id: id, ce_type: type, ce_correlationid: correlationid, ...extra },
  });
}

function setup(options: { progress?: boolean } = {}) {
  const reader = new FakeTopicReader({
    'events.domain': [
      kafkaRecord(0, 'a', 'invoice.received', 'c1'),
      kafkaRecord(1, 'b', 'invoice.processed', 'c1'),
      kafkaRecord(2, 'c', 'invoice.received', 'c2', { [DLQ_HEADERS.reason]: 'old', [DLQ_HEADERS.attempts]: '2' }),
    ],
    'agent.replay': [],
  });
  const store = new FakeEventStore();
  const publisher = new FakePublisher();
  const context = captureContext(options);
  const asked = { store: 0, publisher: 0 };
  const run = (overrides: Partial<ReplayOptions> & { from?: TimeOrOffset } = {}) =>
    replayCommand(
      {
        reader,
        store: () => {
          asked.store += 1;
          return Promise.resolve(store);
        },
        publisher: () => {
          asked.publisher += 1;
          return Promise.resolve(publisher);
        },
      },
      {
        from: { kind: 'offset', offset: '0' },
        topics: ['events.domain'],
        toTopic: 'agent.replay',
        dryRun: false,
        ...overrides,
      },
      context,
    );
  return { reader, store, publisher, context, asked, run };
}

describe('replay from Kafka (--topic)', () => {
  it('republishes every record unchanged (same id, key, value) to the target topic', async () => {
    const { publisher, run, context, asked } = setup();
    await run();
    expect(publisher.published.map((p) => [p.topic, p.eventId, String(p.record.key), String(p.record.value)])).toEqual([
      ['agent.replay', 'a', 'key-a', '{"id":"a"}'],
      ['agent.replay', 'b', 'key-b', '{"id":"b"}'],
      ['agent.replay', 'c', 'key-c', '{"id":"c"}'],
    ]);
    expect(asked.store).toBe(0);
    expect(context.stdout()).toBe('replayed 3 events to agent.replay (event ids kept)\n');
  });

  it('drops flowline-dlq-* headers', async () => {
    const { publisher, run } = setup();
    await run();
    expect(publisher.published[2]?.record.headers).toEqual({
      ce_id: 'c',
      ce_type: 'invoice.received',
      ce_correlationid: 'c2',
    });
  });

  it('sends only events of the given type and correlation id', async () => {
    const { publisher, run } = setup();
    await run({ type: 'invoice.received' });
    expect(publisher.published.map((p) => p.eventId)).toEqual(['a', 'c']);
    publisher.published.length = 0;
    await run({ correlation: 'c1' });
    expect(publisher.published.map((p) => p.eventId)).toEqual(['a', 'b']);
  });

  it('starts at the given offset or time', async () => {
    const { reader, run } = setup();
    await run({ from: { kind: 'offset', partition: 0, offset: '2' } });
    await run({ from: { kind: 'time', time: at(1) }, to: at(2) });
    expect(reader.reads.map((read) => read.from)).toEqual([{ offset: '2', partition: 0 }, { time: at(1) }]);
    expect(reader.reads[1]?.to).toEqual(at(2));
  });

  it('prints what it would send in a dry run and sends nothing (not even a producer connection)', async () => {
    const { publisher, run, context, asked } = setup();
    await run({ dryRun: true, type: 'invoice.received' });
    expect(publisher.published).toHaveLength(0);
    expect(asked.publisher).toBe(0);
    expect(context.stdout()).toBe(
      [
        'would send a  invoice.received  from events.domain 0:0 → agent.replay',
        'would send c  invoice.received  from events.domain 0:2 → agent.replay',
        'dry run: would replay 2 events to agent.replay; nothing was sent',
        '',
      ].join('\n'),
    );
  });

  it('fails before reading when the target topic does not exist', async () => {
    const { run, reader, publisher } = setup();
    await expect(run({ toTopic: 'agent.missing' })).rejects.toMatchObject({
      code: 'UNKNOWN_TOPIC',
      topics: ['agent.missing'],
    });
    expect(reader.reads).toHaveLength(0);
    expect(publisher.published).toHaveLength(0);
  });

  it('rejects --to before --from as a usage error', async () => {
    const { run } = setup();
    await expect(run({ from: { kind: 'time', time: at(5) }, to: at(1) })).rejects.toThrow(UsageError);
  });

  it('stops reading at Ctrl-C, lets in-flight publishes finish and reports how far it got', async () => {
    const { run, context, publisher } = setup();
    context.interrupt();
    await expect(run()).rejects.toThrow('replayed 0 events to agent.replay before stopping');
    expect(publisher.published).toHaveLength(0);
  });

  it('shows a progress bar on a terminal only when there are more than 100 events', async () => {
    const many = Array.from({ length: 150 }, (_, offset) => kafkaRecord(offset, `e${offset}`, 'invoice.received', 'c'));
    const { run, context } = setup({ progress: true });
    await run();
    expect(context.bars).toHaveLength(0);
    const reader = new FakeTopicReader({ big: many, 'agent.replay': [] });
    await replayCommand(
      {
        reader,
        store: () => Promise.reject(new Error('unused')),
        publisher: () => Promise.resolve(new FakePublisher()),
      },
      { from: { kind: 'offset', offset: '0' }, topics: ['big'], toTopic: 'agent.replay', dryRun: false },
      context,
    );
    expect(context.bars).toEqual([{ total: 150, increments: 150, stopped: true }]);
  });
});

describe('replay from the event store (no --topic)', () => {
  it('reads the store from the given time with the filters and sends each event id once', async () => {
    const { store, publisher, run } = setup();
    store.events = [
      storedEvent({
        topic: 'ingress.webhook',
        offset: '1',
        id: 'x',
        type: 'invoice.received',
        kafkaTimestamp: at(1),
        headers: { ce_id: 'x' },
      }),
      storedEvent({
        topic: 'agent.invoice',
        offset: '9',
        id: 'x',
        type: 'invoice.received',
        kafkaTimestamp: at(2),
        headers: { ce_id: 'x' },
      }),
      storedEvent({
        topic: 'agent.invoice.dlq',
        offset: '0',
        id: 'x',
        type: 'invoice.received',
        kafkaTimestamp: at(3),
        headers: { ce_id: 'x', [DLQ_HEADERS.reason]: 'boom' },
      }),
      storedEvent({ topic: 'events.domain', offset: '4', id: 'y', type: 'invoice.processed', kafkaTimestamp: at(4) }),
    ];
    await run({ topics: [], from: { kind: 'time', time: at(0) }, type: 'invoice.received', correlation: 'c9' });
    expect(store.queries[0]).toMatchObject({ from: at(0), type: 'invoice.received', correlationId: 'c9' });
    store.queries.length = 0;
    await run({ topics: [], from: { kind: 'time', time: at(0) } });
    expect(publisher.published.map((p) => [p.eventId, p.record.headers])).toEqual([
      ['x', { ce_id: 'x' }],
      ['y', {}],
    ]);
  });

  it('sends stored values as they were: JSON re-serialised, other bytes from base64', async () => {
    const { store, publisher, run } = setup();
    store.events = [
      storedEvent({ topic: 't', offset: '1', id: 'json', data: { a: 1 }, kafkaTimestamp: at(1) }),
      storedEvent({
        topic: 't',
        offset: '2',
        id: 'bytes',
        data: null,
        valueBase64: Buffer.from('not json').toString('base64'),
        kafkaTimestamp: at(2),
      }),
      storedEvent({ topic: 't', offset: '3', id: 'null', data: null, kafkaTimestamp: at(3) }),
    ];
    await run({ topics: [], from: { kind: 'time', time: at(0) } });
    expect(publisher.published.map((p) => (p.record.value === null ? null : String(p.record.value)))).toEqual([
      '{"a":1}',
      'not json',
      null,
    ]);
  });

  it('pages through more events than one query returns, losing and repeating none', async () => {
    const { store, publisher, run } = setup();
    // Many events share a timestamp across the page boundary.
    store.events = Array.from({ length: STORE_PAGE_SIZE + 250 }, (_, i) =>
      storedEvent({ topic: 't', offset: String(i), id: `e${i}`, kafkaTimestamp: at(Math.floor(i / 300)) }),
    );
    await run({ topics: [], from: { kind: 'time', time: at(0) } });
    expect(publisher.published).toHaveLength(STORE_PAGE_SIZE + 250);
    expect(new Set(publisher.published.map((p) => p.eventId)).size).toBe(STORE_PAGE_SIZE + 250);
    expect(store.queries.length).toBeGreaterThan(1);
  });

  it('needs --topic for an offset start (the store is read by time)', async () => {
    const { run, asked } = setup();
    await expect(run({ topics: [], from: { kind: 'offset', offset: '5' } })).rejects.toThrow(
      '--from as an offset needs --topic',
    );
    expect(asked.store).toBe(0);
  });

  it('sends nothing in a dry run', async () => {
    const { store, publisher, run, context } = setup();
    store.events = [storedEvent({ topic: 't', offset: '1', id: 'x', type: 'invoice.received', kafkaTimestamp: at(1) })];
    await run({ topics: [], from: { kind: 'time', time: at(0) }, dryRun: true });
    expect(publisher.published).toHaveLength(0);
    expect(context.stdout()).toContain('would send x  invoice.received  from t 0:1 → agent.replay');
  });
});
