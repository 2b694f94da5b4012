import { DLQ_HEADERS } from '@flowline/event-schemas';
import { NotFoundError } from '../cli-error';
import { captureContext, NOW } from '../test-fixtures/cli-context';
import { FakeEventStore } from '../test-fixtures/fake-event-store';
import { consumedRecord, FakePublisher, FakeTopicReader, FakeUnknownTopicError } from '../test-fixtures/fake-kafka';
import { dlqRedriveCommand, DlqRedriveOptions } from './dlq-redrive';

function deadLetter(offset: number, id: string, type: string, extra: Record<string, string> = {}) {
  return consumedRecord('agent.document.dlq', offset, {
    key: `key-${id}`,
    value: `{"id":"${id}"}`,
    headers: {
      ce_id: id,
      ce_type: type,
      ce_specversion: '1.0',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      [DLQ_HEADERS.reason]: 'boom',
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.originalTopic]: 'agent.document',
      [DLQ_HEADERS.stack]: 'Error: boom\n    at x',
      'flowline-dlq-some-future-header': 'x',
      ...extra,
    },
  });
}

function setup(
  records = [
    deadLetter(0, 'a', 'document.processed'),
    deadLetter(1, 'b', 'invoice.received'),
    deadLetter(2, 'c', 'document.processed'),
  ],
  publisher = new FakePublisher(),
) {
  const reader = new FakeTopicReader({ 'agent.document': [], 'agent.document.dlq': records });
  const store = new FakeEventStore();
  const context = captureContext();
  const connections = { publisher: 0 };
  const run = (options: Partial<DlqRedriveOptions> = {}) =>
    dlqRedriveCommand(
      {
        reader,
        store,
        publisher: () => {
          connections.publisher += 1;
          return Promise.resolve(publisher);
        },
      },
      { topic: 'agent.document', selector: { kind: 'all' }, dryRun: false, ...options },
      context,
    );
  return { store, publisher, context, run, connections, reader };
}

describe('dlq redrive', () => {
  it('republishes the selected dead letters to their original topic with the same key and value', async () => {
    const { publisher, run } = setup();
    await run({ selector: { kind: 'type', type: 'document.processed' } });
    expect(
      publisher.published.map((p) => [p.topic, p.eventId, p.type, String(p.record.key), String(p.record.value)]),
    ).toEqual([
      ['agent.document', 'a', 'document.processed', 'key-a', '{"id":"a"}'],
      ['agent.document', 'c', 'document.processed', 'key-c', '{"id":"c"}'],
    ]);
  });

  it('drops every flowline-dlq-* header and keeps the others (ce_id, traceparent)', async () => {
    const { publisher, run } = setup();
    await run({ selector: { kind: 'id', id: 'b' } });
    expect(Object.keys(publisher.published[0]?.record.headers ?? {}).sort()).toEqual([
      'ce_id',
      'ce_specversion',
      'ce_type',
      'traceparent',
    ]);
  });

  it('marks a dead letter redriven only after the broker acknowledged it', async () => {
    const { store, run, publisher } = setup([deadLetter(0, 'a', 'document.processed')], new FakePublisher(true));
    const running = run();
    await waitFor(() => publisher.published.length === 1);
    expect(store.marks.size).toBe(0);
    publisher.release();
    await running;
    expect(store.marks.get('agent.document.dlq:0:0')).toEqual({ redrivenTo: 'agent.document', redrivenAt: NOW });
  });

  it('does not mark a dead letter whose publish failed, and fails naming the error', async () => {
    const { store, publisher, run, context } = setup([deadLetter(0, 'a', 'document.processed')]);
    publisher.failWith = new Error('broker said no');
    await expect(run()).rejects.toThrow('broker said no');
    expect(store.marks.size).toBe(0);
    expect(context.stdout()).not.toContain('redriven 1');
  });

  it('says a record was republished but not marked when the store fails after the ack', async () => {
    const { store, run } = setup([deadLetter(0, 'a', 'document.processed')]);
    store.markRedriven = () => Promise.reject(new Error('connection lost'));
    await expect(run()).rejects.toThrow(
      'republished 0:0  a  document.processed to agent.document but could not mark it redriven (connection lost): a rerun sends it again (same event id)',
    );
  });

  it('still marks what the broker acked when the read fails midway (a rerun must not resend it)', async () => {
    const publisher = new FakePublisher(true);
    const { store, run, reader } = setup([deadLetter(0, 'a', 'document.processed')], publisher);
    reader.failReadWith = new Error('consumer crashed');
    const running = run();
    while (publisher.published.length === 0) await new Promise((resolve) => setImmediate(resolve));
    publisher.release();
    await expect(running).rejects.toThrow('consumer crashed');
    expect([...store.marks.keys()]).toEqual(['agent.document.dlq:0:0']);
  });

  it('skips dead letters already redriven and says how many', async () => {
    const { store, publisher, run, context } = setup();
    await store.markRedriven({ topic: 'agent.document.dlq', partition: 0, offset: '1' }, 'agent.document');
    await run();
    expect(publisher.published.map((p) => p.eventId)).toEqual(['a', 'c']);
    expect(context.stdout()).toContain('redriven 2 dead letters from agent.document.dlq, 1 skipped (already redriven)');
  });

  it('accepts the dead-letter topic itself as the topic', async () => {
    const { publisher, run } = setup();
    await run({ topic: 'agent.document.dlq', selector: { kind: 'id', id: 'a' } });
    expect(publisher.published).toHaveLength(1);
  });

  it('falls back to the guarded topic when the original-topic header is missing', async () => {
    const record = deadLetter(0, 'a', 'document.processed');
    delete record.headers[DLQ_HEADERS.originalTopic];
    const { publisher, run } = setup([record]);
    await run();
    expect(publisher.published[0]?.topic).toBe('agent.document');
  });

  it('fails naming the id when --id matches no dead letter', async () => {
    const { run, publisher } = setup();
    const failure = run({ selector: { kind: 'id', id: 'nope' } });
    await expect(failure).rejects.toThrow(NotFoundError);
    await expect(failure).rejects.toThrow('no dead letter with event id "nope" in agent.document.dlq');
    expect(publisher.published).toHaveLength(0);
  });

  it('sends and marks nothing in a dry run, and lists what it would do', async () => {
    const { store, publisher, run, context, connections } = setup([deadLetter(0, 'a', 'document.processed')]);
    await run({ dryRun: true });
    expect(connections.publisher).toBe(0);
    expect(publisher.published).toHaveLength(0);
    expect(store.marks.size).toBe(0);
    expect(context.stdout()).toContain('would redrive 0:0  a  document.processed → agent.document');
    expect(context.stdout()).toContain(
      'dry run: would redrive 1 dead letter from agent.document.dlq, 0 skipped (already redriven); nothing was sent',
    );
  });

  it('refuses to publish to an original topic Kafka does not have (it would retry forever)', async () => {
    const record = deadLetter(0, 'a', 'document.processed', { [DLQ_HEADERS.originalTopic]: 'agent.gone' });
    const { publisher, run } = setup([record]);
    await expect(run()).rejects.toBeInstanceOf(FakeUnknownTopicError);
    expect(publisher.published).toHaveLength(0);
  });

  it('lets the unknown dead-letter topic error through for the CLI to name', async () => {
    const reader = new FakeTopicReader({});
    await expect(
      dlqRedriveCommand(
        { reader, store: new FakeEventStore(), publisher: () => Promise.resolve(new FakePublisher()) },
        { topic: 'agent.nope', selector: { kind: 'all' }, dryRun: false },
        captureContext(),
      ),
    ).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC', topics: ['agent.nope.dlq'] });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
