import { CommitTracker } from './commit-tracker';

describe('CommitTracker', () => {
  it('confirms a transaction only once every one of its events was acknowledged', () => {
    const tracker = new CommitTracker(100n);
    tracker.begin();
    const first = tracker.published();
    const second = tracker.published();
    tracker.commit(200n);
    expect(tracker.confirmable).toBe(100n);
    first();
    expect(tracker.confirmable).toBe(100n);
    second();
    expect(tracker.confirmable).toBe(200n);
    expect(tracker.inFlight).toBe(0);
  });

  it('never confirms past an earlier transaction still waiting for Kafka', () => {
    const tracker = new CommitTracker(0n);
    tracker.begin();
    const slow = tracker.published();
    tracker.commit(10n);
    tracker.begin();
    const fast = tracker.published();
    tracker.commit(20n);
    fast();
    expect(tracker.confirmable).toBe(0n);
    slow();
    expect(tracker.confirmable).toBe(20n);
  });

  it('does not confirm a transaction whose commit has not arrived, nor an abandoned one', () => {
    const tracker = new CommitTracker(0n);
    tracker.begin();
    tracker.published()();
    expect(tracker.confirmable).toBe(0n);
    tracker.abandonOpen();
    tracker.begin();
    tracker.commit(50n);
    expect(tracker.confirmable).toBe(0n);
  });

  it('lets a transaction without rows pass without moving the position', () => {
    const tracker = new CommitTracker(5n);
    tracker.begin();
    tracker.commit(40n, false);
    expect(tracker.confirmable).toBe(5n);
    tracker.begin();
    tracker.commit(60n);
    expect(tracker.confirmable).toBe(60n);
  });

  it('counts an acknowledgement once, however often it is reported', () => {
    const tracker = new CommitTracker(0n);
    tracker.begin();
    const ack = tracker.published();
    tracker.published();
    ack();
    ack();
    expect(tracker.inFlight).toBe(1);
  });

  it('moves to the end of WAL the server names only when nothing is open or unacknowledged, and never back', () => {
    const tracker = new CommitTracker(100n);
    expect(tracker.advanceIdle(150n)).toBe(true);
    expect(tracker.confirmable).toBe(150n);
    expect(tracker.advanceIdle(120n)).toBe(false);

    tracker.begin();
    expect(tracker.advanceIdle(200n)).toBe(false); // a transaction is being read
    const ack = tracker.published();
    tracker.commit(180n);
    expect(tracker.advanceIdle(200n)).toBe(false); // its event is not in Kafka yet
    expect(tracker.confirmable).toBe(150n);
    ack();
    expect(tracker.confirmable).toBe(180n);
    expect(tracker.advanceIdle(200n)).toBe(true);
    expect(tracker.confirmable).toBe(200n);
  });

  it('keeps memory bounded over many transactions', () => {
    const tracker = new CommitTracker(0n);
    for (let i = 1; i <= 10_000; i++) {
      tracker.begin();
      tracker.published()();
      tracker.commit(BigInt(i));
    }
    expect(tracker.confirmable).toBe(10_000n);
    expect(tracker.pendingTransactions).toBe(0);
  });
});
