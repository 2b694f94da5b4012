/**
 * Conflict resolution by source position, for one key of a read model. Pure: both targets
 * read the stored row, ask this, and write what it answers (guarded again by the position in
 * the write itself).
 *
 * - A change at or before the stored position is not applied: at the same position it is the
 *   change already applied (a redelivery), before it a stale one (a late redelivery, a replay).
 * - A change at or before the read model's truncation is stale too: the truncate removed it.
 * - A delete stores a tombstone with its position, so an older insert delivered later does
 *   not bring the row back.
 * - An update with unavailable columns (unchanged TOASTed values, a MongoDB document gone
 *   before its lookup) is merged into the stored row (for an update that changed the key, the
 *   row stored under the old key): the stored value of such a column is kept. A column the
 *   read model never held is listed in `missing`.
 */
import type { Row, RowChange } from './read-model-change';
import { comparePositions, type SourcePosition } from './source-position';

export interface StoredRow {
  readonly position: SourcePosition;
  /** A tombstone: the row was deleted at `position`. */
  readonly deleted: boolean;
  /** The row's columns; null for a tombstone. */
  readonly document: Row | null;
  /** Columns the read model has no value for (unavailable when the row was first stored). */
  readonly missing: readonly string[];
}

export type StaleReason = 'newer_change' | 'truncated';

export type RowDecision =
  | { readonly kind: 'write'; readonly row: StoredRow }
  | { readonly kind: 'repeat' }
  | { readonly kind: 'stale'; readonly current: SourcePosition; readonly reason: StaleReason };

/** A row write as a target did it: the decision, and the row stored before it. */
export interface WrittenRow {
  readonly decision: RowDecision;
  readonly stored: StoredRow | undefined;
}

export function decideRowWrite(
  stored: StoredRow | undefined,
  change: RowChange,
  truncatedAt?: SourcePosition,
  /** For an update that changed the key: the row stored under the old key, whose columns it carries over. */
  movedFrom?: StoredRow,
): RowDecision {
  if (truncatedAt !== undefined && comparePositions(change.position, truncatedAt) <= 0) {
    return { kind: 'stale', current: truncatedAt, reason: 'truncated' };
  }
  if (stored !== undefined) {
    const order = comparePositions(change.position, stored.position);
    if (order === 0) return { kind: 'repeat' };
    if (order < 0) return { kind: 'stale', current: stored.position, reason: 'newer_change' };
  }
  const position = change.position;
  if (change.fields === null) return { kind: 'write', row: { position, deleted: true, document: null, missing: [] } };
  if (change.unavailable.length === 0) {
    return { kind: 'write', row: { position, deleted: false, document: change.fields, missing: [] } };
  }
  const held = [stored, movedFrom].find(
    (row): row is StoredRow =>
      row !== undefined && !row.deleted && row.document !== null && comparePositions(row.position, position) < 0,
  );
  const base = held?.document ?? {};
  const document = { ...base, ...change.fields };
  const heldBefore = held?.missing ?? [];
  const missing = [...new Set([...heldBefore, ...change.unavailable])].filter((column) =>
    column === '*' ? Object.keys(base).length === 0 : !Object.hasOwn(document, column),
  );
  return { kind: 'write', row: { position, deleted: false, document, missing } };
}
