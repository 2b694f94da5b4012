/**
 * Which position may be confirmed to PostgreSQL: the end LSN of the latest transaction such
 * that it, and every transaction before it, had all its events acknowledged by Kafka.
 *
 * Transactions are tracked in commit order (the order the slot streams them). Events are
 * published as they are decoded — a large transaction is never held in memory — and each
 * one's acknowledgement is counted against its transaction. A transaction becomes
 * confirmable once it is committed (its Commit message arrived) and its count is zero, and
 * only when all earlier ones are, so a confirmed position never skips an unacknowledged event.
 */

interface TrackedTransaction {
  endLsn: bigint | undefined;
  unacknowledged: number;
}

export class CommitTracker {
  private readonly transactions: TrackedTransaction[] = [];
  private head = 0;
  private open: TrackedTransaction | undefined;
  private confirmableLsn: bigint;
  private unacknowledgedEvents = 0;

  /** `start`: the slot's confirmed position when streaming began. */
  constructor(start: bigint) {
    this.confirmableLsn = start;
  }

  /** The position every event before which Kafka has acknowledged. */
  get confirmable(): bigint {
    return this.confirmableLsn;
  }

  /** Events published and not yet acknowledged, over all transactions. */
  get inFlight(): number {
    return this.unacknowledgedEvents;
  }

  /** Transactions decoded whose position is not confirmable yet. */
  get pendingTransactions(): number {
    return this.transactions.length - this.head;
  }

  begin(): void {
    if (this.open !== undefined) throw new Error('a transaction began before the previous one committed');
    this.open = { endLsn: undefined, unacknowledged: 0 };
    this.transactions.push(this.open);
  }

  /**
   * Counts one event of the open transaction; call the returned function once Kafka
   * acknowledged it (never on failure: a failed publish stops the listener, unconfirmed).
   */
  published(): () => void {
    const transaction = this.open;
    if (transaction === undefined) throw new Error('an event outside a transaction');
    transaction.unacknowledged += 1;
    this.unacknowledgedEvents += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      transaction.unacknowledged -= 1;
      this.unacknowledgedEvents -= 1;
      this.advance();
    };
  }

  /**
   * Closes the open transaction. One that carried no row change at all (PostgreSQL before 15
   * streams empty transactions, such as the listener's own position updates) is finished
   * but does not move the position: confirming it would write the position again, which is
   * another empty transaction, forever. The next heartbeat moves the position past it.
   */
  commit(endLsn: bigint, carriedRows = true): void {
    if (this.open === undefined) throw new Error('a commit without a transaction');
    this.open.endLsn = carriedRows ? endLsn : -1n;
    this.open = undefined;
    this.advance();
  }

  /**
   * The server said it has sent everything up to `walEnd` (a keepalive): when nothing of ours is
   * open or unacknowledged, every change before it is in Kafka, so it becomes confirmable. A
   * transaction still open on the server commits after it and is streamed after it. Returns
   * whether the position moved. Without this a quiet stream never confirms past its last change
   * (the server's own records after it), and a fast shutdown waits for exactly that.
   */
  advanceIdle(walEnd: bigint): boolean {
    if (this.open !== undefined || this.pendingTransactions > 0 || walEnd <= this.confirmableLsn) return false;
    this.confirmableLsn = walEnd;
    return true;
  }

  /**
   * Forgets a transaction that began and will not be finished on this stream (the stream
   * stopped mid-transaction): it stays unconfirmed and is streamed again after a restart.
   */
  abandonOpen(): void {
    this.open = undefined;
  }

  private advance(): void {
    while (this.head < this.transactions.length) {
      const transaction = this.transactions[this.head];
      if (transaction === undefined || transaction.endLsn === undefined || transaction.unacknowledged > 0) break;
      if (transaction.endLsn > this.confirmableLsn) this.confirmableLsn = transaction.endLsn;
      this.head += 1;
    }
    // Drop the confirmed prefix now and then, not on every step.
    if (this.head > 1024 && this.head * 2 > this.transactions.length) {
      this.transactions.splice(0, this.head);
      this.head = 0;
    }
  }
}
