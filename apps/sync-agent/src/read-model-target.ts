/** What the sync agent needs of a target: apply a change once per event id, and say what happened. */
import type { ReadinessProbe } from '@flowline/messaging';
import type { StaleReason } from './decide-row-write';
import type { ReadModelChange } from './read-model-change';
import type { SourcePosition } from './source-position';

export type ApplyOutcome =
  | { readonly status: 'applied'; readonly syncedAt: string }
  | {
      readonly status: 'stale';
      readonly syncedAt: string;
      /** The newer position the read model holds (a later change of the key, or its truncation). */
      readonly current: SourcePosition;
      readonly reason: StaleReason;
    };

export interface AppliedChange {
  readonly outcome: ApplyOutcome;
  /** The event id was handled before: `outcome` is the one recorded then, nothing was written now. */
  readonly repeated: boolean;
}

export interface ReadModelTarget {
  /** `mongodb` or `postgres`: the metrics label and sync.completed's target system. */
  readonly system: 'mongodb' | 'postgres';
  /** Where a read model lives, for sync.completed's target instance. */
  instance(readModel: string): string;
  apply(eventId: string, change: ReadModelChange): Promise<AppliedChange>;
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness(): ReadinessProbe;
}
