/**
 * Which resume token may be stored: the token of the latest change such that it, and every
 * change before it, was acknowledged by Kafka. Changes are tracked in stream order; a token
 * past an unacknowledged change is never offered, so a restart from the stored token can
 * only repeat changes, never skip one.
 */
export class OrderedAcks<T> {
  private readonly entries: { position: T; acknowledged: boolean }[] = [];
  private head = 0;
  private latest: T | undefined;
  private unacknowledged = 0;

  /** The position every change up to which Kafka has acknowledged; undefined before the first. */
  get confirmable(): T | undefined {
    return this.latest;
  }

  get inFlight(): number {
    return this.unacknowledged;
  }

  /** Tracks one published change at `position`; call the returned function on Kafka's acknowledgement. */
  published(position: T): () => void {
    const entry = { position, acknowledged: false };
    this.entries.push(entry);
    this.unacknowledged += 1;
    return () => {
      if (entry.acknowledged) return;
      entry.acknowledged = true;
      this.unacknowledged -= 1;
      this.advance();
    };
  }

  private advance(): void {
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head];
      if (entry === undefined || !entry.acknowledged) break;
      this.latest = entry.position;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }
}
