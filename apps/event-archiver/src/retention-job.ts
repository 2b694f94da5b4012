/**
 * Drops the event store's day partitions older than the retention, at start and then on an
 * interval. Dropping whole partitions costs nothing per row and leaves no dead tuples, which
 * a DELETE of millions of rows would.
 */
import type { Logger } from '@flowline/telemetry';

export interface PartitionDropper {
  dropPartitionsBefore(cutoff: Date): Promise<string[]>;
}

export class RetentionJob {
  readonly name = 'event-retention';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: PartitionDropper,
    private readonly options: { retentionDays: number; intervalMs: number; logger: Logger; now?: () => Date },
  ) {}

  async start(): Promise<void> {
    await this.runOnce();
    this.timer = setInterval(() => {
      this.running ??= this.runOnce().finally(() => {
        this.running = undefined;
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Drops what is past retention; a failure is logged and tried again next interval. */
  async runOnce(): Promise<void> {
    const now = this.options.now?.() ?? new Date();
    const cutoff = new Date(now.getTime() - this.options.retentionDays * 24 * 3_600_000);
    try {
      const dropped = await this.store.dropPartitionsBefore(cutoff);
      if (dropped.length > 0)
        this.options.logger.info({ dropped, cutoff: cutoff.toISOString() }, 'dropped event partitions past retention');
    } catch (error) {
      this.options.logger.error(
        { err: error, cutoff: cutoff.toISOString() },
        'dropping old event partitions failed; will try again',
      );
    }
  }
}
