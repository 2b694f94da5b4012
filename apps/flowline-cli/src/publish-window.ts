/**
 * Publishes with a bounded number of records in flight, so a replay is not one broker
 * round trip per record, yet never buffers without limit (back-pressure: `submit` waits
 * for room). Calls start in submission order, which the publisher keeps per partition.
 * A failed task does not throw into the caller (a Kafka read loop must not crash on it):
 * the first failure is kept, `onFailure` is told (to stop the read), and `failure` holds it.
 */
export class PublishWindow {
  private readonly inFlight = new Set<Promise<void>>();
  private firstFailure: { error: unknown } | undefined;

  constructor(
    private readonly limit: number,
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {}

  get failure(): { error: unknown } | undefined {
    return this.firstFailure;
  }

  async submit(task: () => Promise<void>): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    if (this.firstFailure !== undefined) return;
    const running: Promise<void> = task()
      .catch((error: unknown) => {
        if (this.firstFailure !== undefined) return;
        this.firstFailure = { error };
        this.onFailure(error);
      })
      .finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
  }

  /** Waits until every submitted task settled. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }
}
