/**
 * Offset commits per partition, coalesced: while one commit is on the wire, later requests
 * for the same partition wait, and only the newest is sent when it returns. Each caller is
 * resolved once a commit at or beyond its request has completed. Without this, a partition
 * settling small batches faster than one commit round trip queued commits without bound —
 * measured: 30 s of queued commits to drain at stop after 10 s at 1,000 events/s — and the
 * committed position fell ever further behind what was done.
 *
 * Order per partition is kept (requests are superseded, never reordered), which the poison
 * markers rely on: a marker is awaited before its handler starts, so no later request can
 * replace it before it is durable.
 */
export interface OffsetCommit {
  topic: string;
  partition: number;
  offset: string;
  metadata: string | null;
}

interface Slot {
  inFlight: Promise<void> | undefined;
  pending: { commit: OffsetCommit; waiters: (() => void)[] } | undefined;
}

export class OffsetCommitter {
  private readonly slots = new Map<string, Slot>();
  private readonly idleWaiters: (() => void)[] = [];

  /** `send` commits one offset; a failure is reported to `onError` and the chain goes on (a later commit or a redelivery covers it). */
  constructor(
    private readonly send: (commit: OffsetCommit) => Promise<void>,
    private readonly onError: (error: unknown, commit: OffsetCommit) => void,
  ) {}

  /** Resolves once this commit, or a later one of the same partition, has been sent (successfully or not). */
  commit(commit: OffsetCommit): Promise<void> {
    const key = `${commit.topic}:${commit.partition}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = { inFlight: undefined, pending: undefined };
      this.slots.set(key, slot);
    }
    const waiters = slot.pending?.waiters ?? [];
    slot.pending = { commit, waiters };
    const done = new Promise<void>((resolve) => waiters.push(resolve));
    if (slot.inFlight === undefined) this.sendNext(key, slot);
    return done;
  }

  /** Resolves when no commit is waiting or on the wire. */
  async idle(): Promise<void> {
    if (this.busy()) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once the commits requested so far for one partition have been sent. */
  async settled(topic: string, partition: number): Promise<void> {
    const slot = this.slots.get(`${topic}:${partition}`);
    if (slot === undefined) return;
    const pending = slot.pending;
    if (pending !== undefined) await new Promise<void>((resolve) => pending.waiters.push(resolve));
    else await slot.inFlight;
  }

  private busy(): boolean {
    return [...this.slots.values()].some((slot) => slot.inFlight !== undefined || slot.pending !== undefined);
  }

  private sendNext(key: string, slot: Slot): void {
    const request = slot.pending;
    if (request === undefined) {
      this.slots.delete(key);
      if (!this.busy()) for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    slot.pending = undefined;
    slot.inFlight = this.send(request.commit)
      .catch((error: unknown) => this.onError(error, request.commit))
      .finally(() => {
        slot.inFlight = undefined;
        for (const wake of request.waiters) wake();
        this.sendNext(key, slot);
      });
  }
}
