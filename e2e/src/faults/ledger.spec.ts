import { computeLedger, InjectedFault, LedgerInputs, recoveryMs, recoverySettled, WebhookDelivery } from './ledger';

const base: LedgerInputs = {
  accepted: [],
  results: [],
  deliveries: [],
  fileUploads: [],
  dataChanges: [],
  table: [],
  readModel: [],
  collection: [],
  collectionReadModel: [],
};

describe('the fault ledger', () => {
  it('counts an accepted mail without an invoice.processed as lost, and one with it as complete', () => {
    const ledger = computeLedger({
      ...base,
      accepted: [
        { flow: 'mail', eventId: 'm1', at: 0 },
        { flow: 'mail', eventId: 'm2', at: 0 },
      ],
      results: [{ messageId: 'r1', type: 'invoice.processed', correlationId: 'm1', at: 5 }],
      deliveries: [{ webhookId: 'r1', status: 200, at: 6 }],
    });
    expect(ledger.lost).toEqual(['mail m2']);
    expect(ledger.outcomes[0]?.completedAt).toBe(5);
    expect(ledger.duplicated).toEqual([]);
  });

  it('takes the same result id seen twice as one effect, and two ids for one input as a duplicate', () => {
    const redelivered = computeLedger({
      ...base,
      accepted: [{ flow: 'mail', eventId: 'm1', at: 0 }],
      results: [
        { messageId: 'r1', type: 'invoice.processed', correlationId: 'm1', at: 5 },
        { messageId: 'r1', type: 'invoice.processed', correlationId: 'm1', at: 9 },
      ],
    });
    expect(redelivered.duplicated).toEqual([]);
    const twice = computeLedger({
      ...base,
      accepted: [{ flow: 'mail', eventId: 'm1', at: 0 }],
      results: [
        { messageId: 'r1', type: 'invoice.processed', correlationId: 'm1', at: 5 },
        { messageId: 'r2', type: 'invoice.processed', correlationId: 'm1', at: 9 },
      ],
    });
    expect(twice.duplicated).toHaveLength(1);
  });

  it('counts a file published under two event ids as a duplicate, and one never published as lost', () => {
    const ledger = computeLedger({
      ...base,
      accepted: [
        { flow: 'file', name: 'a.pdf', at: 0 },
        { flow: 'file', name: 'b.pdf', at: 0 },
      ],
      fileUploads: [
        { id: 'u1', relativePath: 'a.pdf' },
        { id: 'u2', relativePath: 'a.pdf' },
      ],
      results: [{ messageId: 'r1', type: 'invoice.processed', correlationId: 'u1', at: 3 }],
      deliveries: [{ webhookId: 'r1', status: 200, at: 4 }],
    });
    expect(ledger.lost).toEqual(['file b.pdf']);
    expect(ledger.duplicated).toEqual(['file a.pdf: first events u1, u2; results r1']);
  });

  it('matches CDC changes by key, op and version, and compares the read model with the table', () => {
    const ledger = computeLedger({
      ...base,
      accepted: [
        { flow: 'cdc', key: 'k1', op: 'insert', version: 1, at: 0 },
        { flow: 'cdc', key: 'k1', op: 'update', version: 2, at: 1 },
        { flow: 'cdc', key: 'k2', op: 'delete', version: 1, at: 2 },
      ],
      dataChanges: [
        { source: 'cdc', id: 'c1', key: 'k1', op: 'insert', version: 1, at: 1 },
        { source: 'cdc', id: 'c2', key: 'k1', op: 'update', version: 2, at: 2 },
        { source: 'cdc', id: 'c3', key: 'k2', op: 'delete', version: undefined, at: 3 },
        // The same key and version in the MongoDB collection is another input.
        { source: 'mongo', id: 'm1', key: 'k1', op: 'update', version: 2, at: 2 },
      ],
      results: [
        { messageId: 's1', type: 'sync.completed', correlationId: 'c1', at: 1 },
        { messageId: 's3', type: 'sync.completed', correlationId: 'c3', at: 3 },
      ],
      table: [{ key: 'k1', version: 2 }],
      readModel: [
        { key: 'k1', version: 1 },
        { key: 'k2', version: 1 },
      ],
      collection: [{ key: 'k1', version: 2 }],
      collectionReadModel: [{ key: 'k1', version: 3 }],
    });
    expect(ledger.lost).toEqual(['cdc update k1 v2']);
    expect(ledger.outcomes.map((outcome) => outcome.firstEventIds)).toEqual([['c1'], ['c2'], ['c3']]);
    expect(ledger.readModelMismatches).toEqual([
      'k1: table v2, read model v1',
      'k2: table vdeleted, read model v1',
      'mongo k1: collection v2, read model v3',
    ]);
  });

  it('matches MongoDB changes of a key by count, since an update event shows the document as read later', () => {
    const accepted = [
      { flow: 'mongo' as const, key: 'd1', op: 'insert' as const, version: 1, at: 0 },
      { flow: 'mongo' as const, key: 'd1', op: 'update' as const, version: 2, at: 1 },
      { flow: 'mongo' as const, key: 'd1', op: 'update' as const, version: 3, at: 2 },
    ];
    // Read again after a restart: both updates' lookups found version 3.
    const dataChanges = [
      { source: 'mongo' as const, id: 'e1', key: 'd1', op: 'insert', version: 1, at: 10 },
      { source: 'mongo' as const, id: 'e3', key: 'd1', op: 'update', version: 3, at: 30 },
      { source: 'mongo' as const, id: 'e2', key: 'd1', op: 'update', version: 3, at: 20 },
      { source: 'mongo' as const, id: 'e2', key: 'd1', op: 'update', version: 3, at: 25 },
    ];
    const results = ['e1', 'e2', 'e3'].map((id) => ({
      messageId: `s-${id}`,
      type: 'sync.completed',
      correlationId: id,
      at: 40,
    }));
    const ledger = computeLedger({ ...base, accepted, dataChanges, results });
    expect(ledger.outcomes.map((outcome) => outcome.firstEventIds)).toEqual([['e1'], ['e2'], ['e3']]);
    expect(ledger.lost).toEqual([]);
    expect(ledger.duplicated).toEqual([]);

    const short = computeLedger({ ...base, accepted, dataChanges: dataChanges.slice(0, 2), results });
    expect(short.lost).toEqual(['mongo update d1 v3']);
    const extra = computeLedger({
      ...base,
      accepted: accepted.slice(0, 2),
      dataChanges,
      results,
    });
    expect(extra.duplicated).toEqual(['mongo d1/update: 1 changes accepted, 2 events (e2, e3)']);
  });

  it('reports an invoice.processed that never got a 2xx delivery as undelivered', () => {
    const ledger = computeLedger({
      ...base,
      results: [{ messageId: 'r1', type: 'invoice.processed', correlationId: 'm1', at: 5 }],
      deliveries: [{ webhookId: 'r1', status: 500, at: 6 }],
    });
    expect(ledger.undelivered).toEqual(['r1']);
  });

  describe('recovery time', () => {
    const kill: InjectedFault = { kind: 'kill', target: 'invoice-agent#2', at: 1_000, restoredAt: 3_000 };

    it('runs from the fault until every input of the flows it stalls, accepted in the window after it, completed', () => {
      const ledger = computeLedger({
        ...base,
        accepted: [
          { flow: 'mail', eventId: 'before', at: 500 },
          { flow: 'mail', eventId: 'first', at: 1_500 },
          { flow: 'mail', eventId: 'second', at: 3_000 },
          { flow: 'mail', eventId: 'late', at: 9_000 },
          // The invoice agent is not in the CDC flow: its inputs do not count.
          { flow: 'cdc', key: 'k1', op: 'insert', version: 1, at: 1_500 },
        ],
        dataChanges: [{ source: 'cdc', id: 'c1', key: 'k1', op: 'insert', version: 1, at: 1_600 }],
        results: [
          { messageId: 'r0', type: 'invoice.processed', correlationId: 'before', at: 20_000 },
          { messageId: 'r1', type: 'invoice.processed', correlationId: 'first', at: 4_000 },
          { messageId: 'r2', type: 'invoice.processed', correlationId: 'second', at: 8_000 },
          { messageId: 'r3', type: 'invoice.processed', correlationId: 'late', at: 9_500 },
          { messageId: 's1', type: 'sync.completed', correlationId: 'c1', at: 50_000 },
        ],
      });
      expect(recoveryMs(kill, ledger, [])).toBe(7_000);
    });

    it('is unknown while an input of the window has no result', () => {
      const ledger = computeLedger({ ...base, accepted: [{ flow: 'mail', eventId: 'first', at: 1_500 }] });
      expect(recoveryMs(kill, ledger, [])).toBeUndefined();
    });

    it('is settled once every flow it stalls had its window close and complete, not before', () => {
      const accepted: LedgerInputs['accepted'] = [
        { flow: 'mail', eventId: 'm1', at: 1_500 },
        { flow: 'file', name: 'a.pdf', at: 1_800 },
      ];
      const fileUploads = [{ id: 'u1', relativePath: 'a.pdf' }];
      const done = computeLedger({
        ...base,
        accepted,
        fileUploads,
        results: [
          { messageId: 'r1', type: 'invoice.processed', correlationId: 'm1', at: 4_000 },
          { messageId: 'r2', type: 'invoice.processed', correlationId: 'u1', at: 5_000 },
        ],
      });
      expect(recoverySettled(kill, done, [], 5_000)).toBe(true);
      // The mail window (from 1.5 s) is still open at 3 s: a later mail may join it.
      expect(recoverySettled(kill, done, [], 3_000)).toBe(false);
      const halfDone = computeLedger({
        ...base,
        accepted,
        fileUploads,
        results: [{ messageId: 'r1', type: 'invoice.processed', correlationId: 'm1', at: 4_000 }],
      });
      expect(recoverySettled(kill, halfDone, [], 9_000)).toBe(false);
      // No input of a stalled flow yet: nothing tells that it works again.
      const mailOnly = computeLedger({
        ...base,
        accepted: accepted.slice(0, 1),
        results: [{ messageId: 'r1', type: 'invoice.processed', correlationId: 'm1', at: 4_000 }],
      });
      expect(recoverySettled(kill, mailOnly, [], 9_000)).toBe(false);
    });

    it('settles the failing receiver once every delivery it failed was delivered, or at once when none failed', () => {
      const failing: InjectedFault = { kind: 'receiver', target: 'receiver', at: 1_000, restoredAt: 6_000 };
      const ledger = computeLedger(base);
      expect(recoverySettled(failing, ledger, [], 7_000)).toBe(true);
      const failed: WebhookDelivery[] = [{ webhookId: 'a', status: 500, at: 2_000 }];
      expect(recoverySettled(failing, ledger, failed, 7_000)).toBe(false);
      expect(recoverySettled(failing, ledger, [...failed, { webhookId: 'a', status: 200, at: 7_000 }], 7_000)).toBe(
        true,
      );
    });

    it('for the failing receiver, runs from its repair until every delivery it failed succeeded', () => {
      const failing: InjectedFault = { kind: 'receiver', target: 'receiver', at: 1_000, restoredAt: 6_000 };
      const deliveries: WebhookDelivery[] = [
        { webhookId: 'a', status: 500, at: 2_000 },
        { webhookId: 'b', status: 500, at: 5_000 },
        { webhookId: 'a', status: 200, at: 7_000 },
        { webhookId: 'b', status: 200, at: 9_000 },
      ];
      expect(recoveryMs(failing, computeLedger(base), deliveries)).toBe(3_000);
    });
  });
});
