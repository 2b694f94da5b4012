/**
 * A shared/exclusive gate around handler calls. Normal handling is shared: partitions run
 * their handlers side by side. Careful handling (pinning down a poison pill) is exclusive:
 * it waits until no other handler runs, and while any exclusive work waits or runs, new
 * handler calls queue behind it. So when the process dies during careful handling, the one
 * message being handled is the only one whose crash marker counts it.
 */
export class HandlerGate {
  private sharedRunning = 0;
  private exclusiveWaiting = 0;
  private exclusiveTail: Promise<unknown> = Promise.resolve();
  private readonly sharedIdleWaiters: (() => void)[] = [];

  shared<T>(work: () => Promise<T>): Promise<T> {
    if (this.exclusiveWaiting > 0) return this.exclusive(work);
    this.sharedRunning += 1;
    // Runs once per handled message: a plain promise chain, not an async frame around it.
    let running: Promise<T>;
    try {
      running = work();
    } catch (error) {
      this.releaseShared();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return running.finally(this.releaseShared);
  }

  private readonly releaseShared = (): void => {
    this.sharedRunning -= 1;
    if (this.sharedRunning === 0) for (const wake of this.sharedIdleWaiters.splice(0)) wake();
  };

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.exclusiveWaiting += 1;
    const run = this.exclusiveTail.then(async () => {
      while (this.sharedRunning > 0) await new Promise<void>((resolve) => this.sharedIdleWaiters.push(resolve));
      return work();
    });
    this.exclusiveTail = run.catch(() => undefined);
    return run.finally(() => {
      this.exclusiveWaiting -= 1;
    });
  }
}
