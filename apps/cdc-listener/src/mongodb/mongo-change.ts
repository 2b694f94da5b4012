/**
 * MongoDB change events → data.changed events. Pure.
 *
 * - id = stableEventId('cdc', resume token, db.collection): a change read again after a restart
 *   (the stream resumes after the last stored token) keeps its id.
 * - partitionkey = `db.collection:<documentKey as JSON>`; subject = `db.collection`.
 * - update and replace carry the document as looked up when the change was read
 *   (`fullDocument: 'updateLookup'`). A document deleted before that lookup has no current
 *   state: "after" then holds only its `_id`, and `unavailable` names the fields the update
 *   set (or `*`, the whole document) — never a stale or partial document passed off as it.
 */
import { createEvent, FlowlineEvent, stableEventId } from '@flowline/event-schemas';
import type { JsonValue } from '../json-value';
import { bsonToJson } from './bson-value';

export type DataChangedEvent = FlowlineEvent<'data.changed'>;

/** The parts of a change stream document the listener reads (driver type ChangeStreamDocument). */
export interface MongoChange {
  _id: unknown;
  operationType: string;
  ns?: { db: string; coll?: string };
  documentKey?: Record<string, unknown>;
  fullDocument?: Record<string, unknown> | null;
  fullDocumentBeforeChange?: Record<string, unknown> | null;
  updateDescription?: { updatedFields?: Record<string, unknown>; removedFields?: string[] };
  clusterTime?: { t?: number; getHighBits?: () => number };
  wallTime?: Date;
}

const ROW_OPERATIONS: Record<string, 'insert' | 'update' | 'delete'> = {
  insert: 'insert',
  update: 'update',
  replace: 'update',
  delete: 'delete',
};

/** The token's stable text: `_data` when MongoDB gives one (always, since 4.2). */
export function tokenText(token: unknown): string {
  const data = (token as { _data?: unknown } | null)?._data;
  return typeof data === 'string' ? data : JSON.stringify(bsonToJson(token));
}

/** When the change happened: wallTime (MongoDB 6), else the cluster time's seconds. */
function commitTimeOf(change: MongoChange, fallback: Date): Date {
  if (change.wallTime instanceof Date) return change.wallTime;
  const clusterTime = change.clusterTime;
  const seconds = clusterTime?.t ?? clusterTime?.getHighBits?.();
  return typeof seconds === 'number' && seconds > 0 ? new Date(seconds * 1000) : fallback;
}

function asRow(document: Record<string, unknown> | null | undefined): Record<string, JsonValue> | null {
  if (document === null || document === undefined) return null;
  return bsonToJson(document) as Record<string, JsonValue>;
}

/**
 * The data.changed event of a change, or undefined for changes that are not about a
 * document (drop, rename, dropDatabase, invalidate: the caller logs them).
 */
export function mongoChangeEvent(
  change: MongoChange,
  watched: { database: string; collection: string | undefined },
  receivedAt: Date = new Date(),
): DataChangedEvent | undefined {
  const op = ROW_OPERATIONS[change.operationType];
  // The namespace of the change, else (the stand-in leaves `ns` out) the watched collection's.
  const database = change.ns?.db ?? watched.database;
  const collection = change.ns?.coll ?? watched.collection;
  if (op === undefined || database === undefined || collection === undefined) return undefined;
  const looked = asRow(change.fullDocument);
  // The stand-in (mongo-java-server) puts the update spec in documentKey; the id is then the
  // looked-up document's.
  const documentKey = change.documentKey !== undefined && '_id' in change.documentKey ? change.documentKey : undefined;
  const key = asRow(documentKey) ?? (looked !== null && '_id' in looked ? { _id: looked['_id'] ?? null } : {});
  let after: Record<string, JsonValue> | null = null;
  let unavailable: string[] | undefined;
  if (op !== 'delete') {
    if (looked !== null && '_id' in looked) after = looked;
    else {
      after = { ...key };
      const fields = Object.keys(change.updateDescription?.updatedFields ?? {}).filter((field) => !(field in after!));
      unavailable = fields.length > 0 ? fields : ['*'];
    }
  }
  const name = `${database}.${collection}`;
  const keyText = JSON.stringify(key);
  const commitTime = commitTimeOf(change, receivedAt);
  return createEvent(
    'data.changed',
    {
      op,
      source: {
        kind: 'mongodb',
        database,
        collection,
        resumeToken: bsonToJson(change._id) as Record<string, JsonValue>,
      },
      key,
      before: op === 'insert' ? null : asRow(change.fullDocumentBeforeChange),
      after,
      ...(unavailable === undefined || op !== 'update' ? {} : { unavailable }),
      commitTime: commitTime.toISOString(),
    },
    {
      source: `/cdc-listener/mongodb/${database}`,
      id: stableEventId('cdc', tokenText(change._id), name),
      subject: name,
      partitionKey: `${name}:${keyText}`,
      time: commitTime,
    },
  );
}
