/**
 * A change's position in its source's log, as one string that sorts like the log: a later
 * change of the same source has a greater position, compared as plain strings (MongoDB's
 * `$lt` on strings, PostgreSQL `COLLATE "C"`, JavaScript `<`), so the targets can compare
 * positions in the write itself. Pure.
 *
 * - PostgreSQL: `pg/<commit LSN>/<change LSN>`, each 16 upper-case hex digits. Logical
 *   decoding streams transactions in commit order and two transactions that change one row
 *   commit one after the other (the row lock), so the commit LSN orders the changes of a row
 *   across transactions and the change's own LSN orders them within one. A snapshot row sits
 *   at the slot's start point with change LSN 0: before every change streamed after it.
 * - MongoDB: `mongo/<resume token _data>`, upper-cased. The token's `_data` is the server's
 *   KeyString encoding, cluster time first, whose hex sorts as the change stream's order
 *   (the stand-in's tokens are the cluster time in 16 hex digits, which sort the same way).
 *
 * Positions of different sources are not comparable; each read model holds one source's table.
 */
import type { DataChanged } from '@flowline/event-schemas';
import { SyncChangeUnsupported } from './sync-errors';

export type SourcePosition = string;

const LSN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/;

/** `16/B374D848` → `00000016B374D848`: fixed width, so string order is LSN order. */
export function sortableLsn(lsn: string): string {
  const match = LSN.exec(lsn.toUpperCase());
  if (match === null) throw new SyncChangeUnsupported(`"${lsn}" is not a PostgreSQL LSN (such as 0/16B3748)`);
  return `${(match[1] ?? '').padStart(8, '0')}${(match[2] ?? '').padStart(8, '0')}`;
}

export function sourcePosition(source: DataChanged['source']): SourcePosition {
  if (source.kind === 'postgres') {
    const change = source.changeLsn === undefined ? '0'.repeat(16) : sortableLsn(source.changeLsn);
    return `pg/${sortableLsn(source.lsn)}/${change}`;
  }
  const data = source.resumeToken['_data'];
  if (typeof data !== 'string' || !/^[0-9A-Fa-f]+$/.test(data)) {
    throw new SyncChangeUnsupported(
      'the MongoDB resume token has no hex "_data" (MongoDB 4.2 and later give one): its order cannot be compared',
    );
  }
  return `mongo/${data.toUpperCase()}`;
}

/** Negative when `a` is earlier than `b`, 0 when equal, positive when later. */
export function comparePositions(a: SourcePosition, b: SourcePosition): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
