import { EventStore } from './event-store';
import { migrateEventStore } from './event-store-schema';
import { deadLetterOf, eventRecord } from './test-fixtures/archived-records';
import { createTestDatabase, TestDatabase } from './test-fixtures/event-store-database';

describe('EventStore.stats (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: EventStore;
  const t0 = new Date('2025-05-05T12:00:00.000Z');
  const at = (ms: number): Date => new Date(t0.getTime() + ms);

  beforeAll(async () => {
    db = await createTestDatabase('stats');
    await migrateEventStore(db.pool);
    store = new EventStore(db.pool);
    // 10 chains: file.uploaded (forwarded to agent.document) -> document.processed after (i + 1) * 10 ms;
    // two of the document.processed events were also dead-lettered, one of them since redriven.
    let offset = 0;
    const records = [];
    for (let i = 0; i < 10; i++) {
      const root = eventRecord({
        topic: 'ingress.file',
        offset: offset++,
        id: `f${i}`,
        type: 'file.uploaded',
        time: at(i * 1000),
        correlationid: `f${i}`,
      });
      const child = eventRecord({
        topic: 'events.domain',
        offset: offset++,
        id: `d${i}`,
        type: 'document.processed',
        time: at(i * 1000 + (i + 1) * 10),
        correlationid: `f${i}`,
        causationid: `f${i}`,
      });
      records.push(root, { ...root, topic: 'agent.document', offset: String(offset++) }, child);
    }
    const letter = deadLetterOf(records[2]!, { offset: 0, reason: 'boom' });
    const secondLetter = deadLetterOf(records[5]!, { offset: 1, reason: 'boom' });
    // Outside the window: not counted.
    const outside = eventRecord({
      topic: 'ingress.file',
      offset: offset++,
      id: 'late',
      type: 'file.uploaded',
      time: at(7_200_000),
      correlationid: 'late',
    });
    await store.append([...records, letter, secondLetter, outside]);
    await store.markRedriven(secondLetter, 'events.domain', at(60_000));
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('counts records per type and topic, and dead letters per topic with how many were redriven', async () => {
    const stats = await store.stats({ from: t0, to: at(3_600_000) });
    expect(stats.total).toBe(32);
    expect(stats.byTypeAndTopic).toEqual(
      expect.arrayContaining([
        { type: 'file.uploaded', topic: 'ingress.file', count: 10 },
        { type: 'file.uploaded', topic: 'agent.document', count: 10 },
        { type: 'document.processed', topic: 'events.domain', count: 10 },
        { type: 'document.processed', topic: 'events.domain.dlq', count: 2 },
      ]),
    );
    expect(stats.byTypeAndTopic).toHaveLength(4);
    expect(stats.deadLetters).toEqual([{ topic: 'events.domain.dlq', count: 2, redriven: 1 }]);
  });

  it('gives hop latency from parent type to child type, counting each event once', async () => {
    const stats = await store.stats({ from: t0, to: at(3_600_000) });
    // Latencies 10, 20, ..., 100 ms: nearest-rank p50 is 50, p99 is 100.
    expect(stats.hops).toEqual([
      { fromType: 'file.uploaded', toType: 'document.processed', count: 10, p50Ms: 50, p99Ms: 100 },
    ]);
  });

  it('counts nothing in a window without records', async () => {
    const stats = await store.stats({ from: at(-86_400_000), to: at(-3_600_000) });
    expect(stats).toMatchObject({ total: 0, byTypeAndTopic: [], deadLetters: [], hops: [] });
  });
});
