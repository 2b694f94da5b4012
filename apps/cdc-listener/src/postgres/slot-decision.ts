/**
 * What to do with the replication slot at start, from what PostgreSQL says about it and what
 * the listener recorded last time. Pure, so every case is a unit test.
 *
 * The position record is written *before* each confirmation is sent to PostgreSQL, so for
 * the same slot the slot's confirmed_flush_lsn is never past the recorded position. A slot
 * found further on was recreated (a new slot starts at the WAL's current end) or moved by
 * someone else; one that is gone, or invalidated for retaining too much WAL, has lost its
 * place. In each case changes after the recorded position may never be streamed: a gap the
 * listener reports instead of silently starting from now (PossibleGap), unless the operator
 * accepted it (CDC_ALLOW_NEW_SLOT).
 */
import { PossibleGap } from '../errors';
import { formatLsn } from './lsn';

export interface SlotState {
  confirmedFlushLsn: bigint;
  /** pg_replication_slots.wal_status: 'lost' when the server dropped WAL the slot needed. */
  walStatus: string | null;
}

export interface PositionRecord {
  /** Null while the slot is being created: nothing was streamed from it yet. */
  confirmedLsn: bigint | null;
  /** The initial snapshot was started and has not finished. */
  snapshotPending: boolean;
}

export type SlotDecision =
  | { action: 'create'; gap?: string }
  | { action: 'recreate'; reason: string; gap?: string }
  | { action: 'resume'; gap?: string };

const RECOVERY =
  'If the gap is acceptable (or the tables will be re-read), start once with CDC_ALLOW_NEW_SLOT=true (with CDC_SNAPSHOT=true to publish every row again); otherwise restore the missing changes from the source first. See apps/cdc-listener/README.md "Gaps".';

export function decideSlot(
  slotName: string,
  slot: SlotState | undefined,
  record: PositionRecord | undefined,
  allowGap: boolean,
): SlotDecision {
  const recorded = record?.confirmedLsn ?? null;
  if (slot === undefined) {
    if (recorded === null) return { action: 'create' };
    const gap = `replication slot "${slotName}" is gone, but this listener had confirmed changes up to ${formatLsn(recorded)}: changes after that may never be streamed.`;
    if (!allowGap) throw new PossibleGap(`${gap} ${RECOVERY}`);
    return { action: 'create', gap };
  }
  if (record?.snapshotPending === true) {
    // Nothing of the slot is confirmed before its snapshot finished: a new slot and a new
    // snapshot lose nothing.
    return { action: 'recreate', reason: 'the initial snapshot did not finish; it starts again with a new slot' };
  }
  if (slot.walStatus === 'lost') {
    const gap = `replication slot "${slotName}" was invalidated (wal_status lost: PostgreSQL removed WAL it still needed, see max_slot_wal_keep_size)${recorded === null ? '' : ` after ${formatLsn(recorded)}`}: changes were lost.`;
    if (!allowGap) throw new PossibleGap(`${gap} ${RECOVERY}`);
    return { action: 'recreate', reason: 'the slot was invalidated', gap };
  }
  if (recorded !== null && slot.confirmedFlushLsn > recorded) {
    const gap = `replication slot "${slotName}" starts at ${formatLsn(slot.confirmedFlushLsn)}, past the ${formatLsn(recorded)} this listener confirmed last: it was recreated or moved by someone else, and the changes in between may never be streamed.`;
    if (!allowGap) throw new PossibleGap(`${gap} ${RECOVERY}`);
    return { action: 'resume', gap };
  }
  return { action: 'resume' };
}
