import { EventStore } from './event-store';
import { migrateEventStore } from './event-store-schema';
import { deadLetterOf, eventRecord } from './test-fixtures/archived-records';
import { createTestDatabase, TestDatabase } from './test-fixtures/event-store-database';

describe('EventStore.trace (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: EventStore;
  const t0 = new Date('2025-03-01T10:00:00.000Z');
  const at = (ms: number): Date => new Date(t0.getTime() + ms);

  beforeAll(async () => {
    db = await createTestDatabase('trace');
    await migrateEventStore(db.pool);
    store = new EventStore(db.pool);
  });

  afterAll(async () => {
    await db?.drop();
  });

  /**
   * webhook.received (ingress.webhook, forwarded unchanged to agent.document)
   *   -> document.processed (events.domain)
   *        -> invoice.received (agent.invoice, dead-lettered to agent.invoice.dlq)
   */
  async function appendChain(correlationid: string, base: number) {
    const webhook = eventRecord({
      topic: 'ingress.webhook',
      offset: base + 10,
      id: correlationid,
      type: 'webhook.received',
      time: at(0),
      correlationid,
      source: '/webhook-gateway/github',
    });
    const forwarded = { ...webhook, topic: 'agent.document', offset: String(base + 20), timestamp: at(25) };
    const document = eventRecord({
      topic: 'events.domain',
      offset: base + 30,
      id: `${correlationid}-doc`,
      type: 'document.processed',
      time: at(180),
      correlationid,
      causationid: correlationid,
    });
    const invoice = eventRecord({
      topic: 'agent.invoice',
      offset: base + 40,
      id: `${correlationid}-inv`,
      type: 'invoice.received',
      time: at(210),
      correlationid,
      causationid: `${correlationid}-doc`,
    });
    const deadLetter = deadLetterOf(invoice, {
      offset: base + 5,
      reason: 'invoice total is negative',
      errorClass: 'NonRetryableError',
      attempts: 1,
    });
    const unrelated = eventRecord({
      topic: 'events.domain',
      offset: base + 31,
      id: `${correlationid}-other`,
      type: 'document.processed',
      time: at(5),
      correlationid: 'someone-else',
    });
    // In arrival order, not causal order: the tree must not depend on it.
    await store.append([deadLetter, invoice, unrelated, document, forwarded, webhook]);
    return { deadLetter };
  }

  it('gives the causal tree of a chain across three topics, with the time of each hop and where it stopped', async () => {
    await appendChain('chain-a', 0);
    const trace = await store.trace('chain-a');
    expect(trace).toMatchObject({ correlationId: 'chain-a', eventCount: 3, firstTime: at(0), lastTime: at(210) });
    expect(trace?.roots).toHaveLength(1);
    const root = trace?.roots[0];
    expect(root).toMatchObject({
      id: 'chain-a',
      type: 'webhook.received',
      source: '/webhook-gateway/github',
      status: 'processed',
      sinceParentMs: null,
    });
    expect(root?.appearances.map((a) => [a.topic, a.offset])).toEqual([
      ['ingress.webhook', '10'],
      ['agent.document', '20'],
    ]);
    const document = root?.children[0];
    expect(document).toMatchObject({
      id: 'chain-a-doc',
      type: 'document.processed',
      sinceParentMs: 180,
      status: 'processed',
    });
    const invoice = document?.children[0];
    expect(invoice).toMatchObject({
      id: 'chain-a-inv',
      type: 'invoice.received',
      sinceParentMs: 30,
      status: 'dead-lettered',
      children: [],
    });
    expect(invoice?.deadLetter).toMatchObject({
      reason: 'invoice total is negative',
      errorClass: 'NonRetryableError',
      attempts: 1,
      originalTopic: 'agent.invoice',
      originalPartition: 0,
      originalOffset: '40', // chain-a's base is 0
      consumerGroup: 'test-group',
    });
    expect(invoice?.deadLetter?.redrivenAt).toBeUndefined();
    expect(invoice?.appearances.map((a) => a.topic)).toEqual(['agent.invoice', 'agent.invoice.dlq']);
    expect(trace?.stoppedAt.map((node) => node.id)).toEqual(['chain-a-inv']);
  });

  it('shows a dead letter as redriven once it is marked, and no longer as where the chain stopped', async () => {
    const { deadLetter } = await appendChain('chain-b', 1000);
    const redrivenAt = at(3_600_000);
    await store.markRedriven(
      { topic: deadLetter.topic, partition: deadLetter.partition, offset: deadLetter.offset },
      'agent.invoice',
      redrivenAt,
    );

    const trace = await store.trace('chain-b');
    const invoice = trace?.roots[0]?.children[0]?.children[0];
    expect(invoice?.status).toBe('redriven');
    expect(invoice?.deadLetter).toMatchObject({
      reason: 'invoice total is negative',
      redrivenAt,
      redrivenTo: 'agent.invoice',
    });
    expect(trace?.stoppedAt).toEqual([]);

    const [dlqRecord] = await store.findEvents({ correlationId: 'chain-b', deadLetters: true });
    expect(dlqRecord?.deadLetter).toMatchObject({ redrivenAt, redrivenTo: 'agent.invoice' });
    const marks = await store.redriven([deadLetter, { topic: 'agent.invoice', partition: 0, offset: '1040' }]);
    expect([...marks.entries()]).toEqual([[`agent.invoice.dlq:0:1005`, { redrivenAt, redrivenTo: 'agent.invoice' }]]);
  });

  it('marks an event that went to events.unrouted as unrouted', async () => {
    const root = eventRecord({
      topic: 'ingress.cdc',
      offset: 1,
      id: 'chain-u',
      type: 'data.changed',
      time: at(0),
      correlationid: 'chain-u',
    });
    await store.append([root, { ...root, topic: 'acme.events.unrouted', offset: '3', timestamp: at(50) }]);
    const trace = await store.trace('chain-u');
    expect(trace?.roots[0]?.status).toBe('unrouted');
    expect(trace?.stoppedAt.map((node) => node.id)).toEqual(['chain-u']);
  });

  it('gives no trace for a correlation id nothing carries', async () => {
    expect(await store.trace('no-such-chain')).toBeUndefined();
  });
});
