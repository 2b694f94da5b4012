import { DLQ_HEADERS } from '@flowline/event-schemas';
import { captureContext } from '../test-fixtures/cli-context';
import { FakeEventStore } from '../test-fixtures/fake-event-store';
import { consumedRecord, FakeTopicReader } from '../test-fixtures/fake-kafka';
import { dlqListCommand } from './dlq-list';

function deadLetter(offset: number, id: string) {
  return consumedRecord('agent.document.dlq', offset, {
    headers: {
      ce_id: id,
      ce_type: 'document.processed',
      [DLQ_HEADERS.reason]: 'schema "document.processed" v9 is unknown\nupgrade the agent',
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.firstFailure]: '2026-11-22T09:00:00.000Z',
      [DLQ_HEADERS.lastFailure]: '2026-11-22T09:00:05.000Z',
      [DLQ_HEADERS.originalTopic]: 'agent.document',
    },
  });
}

describe('dlq list', () => {
  async function list(json: boolean, topic = 'agent.document') {
    const reader = new FakeTopicReader({ 'agent.document.dlq': [deadLetter(1, 'b'), deadLetter(0, 'a')] });
    const store = new FakeEventStore();
    await store.markRedriven(
      { topic: 'agent.document.dlq', partition: 0, offset: '1' },
      'agent.document',
      new Date('2026-11-22T11:00:00.000Z'),
    );
    const context = captureContext();
    await dlqListCommand(reader, store, { topic, json }, context);
    return { context, reader };
  }

  it('shows each dead letter: offset, id, type, attempts, first/last failure, redriven, reason', async () => {
    const { context } = await list(false);
    expect(context.stdout().split('\n')).toEqual([
      'agent.document.dlq: 2 dead letters, 1 redriven',
      expect.stringMatching(/^OFFSET +EVENT ID +TYPE +ATTEMPTS +FIRST FAILURE +LAST FAILURE +REDRIVEN +REASON$/),
      expect.stringMatching(
        /^0 +a +document\.processed +3 +2026-11-22T09:00:00\.000Z +2026-11-22T09:00:05\.000Z +no +schema "document\.processed" v9 is unknown upgrade the agent$/,
      ),
      expect.stringMatching(/^1 +b +.* 2026-11-22T11:00:00\.000Z +schema/),
      '',
    ]);
  });

  it('reads the dead-letter topic from the start, given either topic name', async () => {
    const { reader } = await list(false, 'agent.document.dlq');
    expect(reader.reads).toEqual([{ topics: ['agent.document.dlq'], from: 'earliest' }]);
  });

  it('prints the records as JSON with --json', async () => {
    const { context } = await list(true);
    const parsed = JSON.parse(context.stdout());
    expect(parsed).toHaveLength(2);
    expect(parsed[1]).toMatchObject({
      offset: '1',
      id: 'b',
      attempts: 3,
      originalTopic: 'agent.document',
      redriven: { redrivenTo: 'agent.document', redrivenAt: '2026-11-22T11:00:00.000Z' },
    });
  });

  it('says so when the dead-letter topic is empty', async () => {
    const context = captureContext();
    await dlqListCommand(
      new FakeTopicReader({ 'agent.email.dlq': [] }),
      new FakeEventStore(),
      { topic: 'agent.email', json: false },
      context,
    );
    expect(context.stdout()).toBe('agent.email.dlq: no dead letters\n');
  });
});
