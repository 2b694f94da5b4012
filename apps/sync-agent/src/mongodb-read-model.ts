/**
 * The MongoDB read model: one collection per source table, one document per key
 * (`_id` = the key's value, or the key object for a key of several columns), the row's
 * columns as fields, and the meta field (`_flowline`) holding the source position, the
 * event id and the tombstone flag.
 *
 * Exactly once in effect, without a transaction: every write is conditional on the stored
 * position (replace where the position is still the one read, or insert where none is
 * stored), a single-document write MongoDB applies atomically. Applying a change twice
 * therefore writes nothing the second time: it finds its own position stored (a repeat) or a
 * newer one (stale). What the first handling answered is recorded by event id in
 * `<meta>_outcomes` after the write; a redelivery answers from it, and if the process died
 * between the write and that record, the redelivery finds the position and answers
 * "applied" again — which is what the first handling answered.
 *
 * A truncate records its position in `<meta>_truncations` before removing the documents
 * older than it; a row change checks that mark before and after its own write and removes
 * what it wrote when a truncate at a later position was recorded meanwhile (the truncate
 * and the table's row changes travel on different partitions, so they race).
 */
import { MongoClient, MongoServerError, type Collection, type Db, type Document, type Filter } from 'mongodb';
import type { ReadinessProbe } from '@flowline/messaging';
import { decideRowWrite, type StoredRow, type WrittenRow } from './decide-row-write';
import type { ReadModelChange, Row, RowChange, TruncateChange } from './read-model-change';
import type { AppliedChange, ApplyOutcome, ReadModelTarget } from './read-model-target';
import { comparePositions, type SourcePosition } from './source-position';
import { ReadModelConflict, SyncChangeUnsupported } from './sync-errors';

const DUPLICATE_KEY = 11000;

/** A read-model document: `_id` is the source key (a scalar, or an object for a composite key). */
type DocumentId = string | number | boolean | Row | unknown[];
interface ReadModelDocument extends Document {
  _id: DocumentId;
}

interface Meta {
  position: SourcePosition;
  eventId: string;
  op: RowChange['op'];
  commitTime: string;
  deleted: boolean;
  missing?: string[];
}

export interface MongoReadModelOptions {
  url: string;
  database: string;
  metaField: string;
  /** Bounds each operation, so an outage shows as failed attempts (retried), not a hang. */
  timeoutMs?: number;
}

export class MongoReadModel implements ReadModelTarget {
  readonly system = 'mongodb';
  private readonly client: MongoClient;
  private readonly db: Db;
  private readonly truncations: Collection<{ _id: string; position: SourcePosition }>;
  private readonly outcomes: Collection<{ _id: string; outcome: ApplyOutcome }>;

  constructor(private readonly options: MongoReadModelOptions) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      socketTimeoutMS: timeoutMs * 3,
      // Acknowledged once a majority of the replica set journaled it: the offset commit that
      // follows must never get ahead of a write a failover could roll back.
      writeConcern: { w: 'majority', journal: true },
    });
    this.db = this.client.db(options.database);
    this.truncations = this.db.collection(`${options.metaField}_truncations`);
    this.outcomes = this.db.collection(`${options.metaField}_outcomes`);
  }

  instance(readModel: string): string {
    return `${this.options.database}.${readModel}`;
  }

  async start(): Promise<void> {
    await this.client.connect();
  }

  async stop(): Promise<void> {
    await this.client.close();
  }

  readiness(): ReadinessProbe {
    return {
      name: 'mongodb',
      check: async () => {
        await this.db.command({ ping: 1 });
      },
    };
  }

  async apply(eventId: string, change: ReadModelChange): Promise<AppliedChange> {
    const recorded = await this.outcomes.findOne({ _id: eventId });
    if (recorded !== null) return { outcome: recorded.outcome, repeated: true };
    const outcome = change.kind === 'truncate' ? await this.truncate(change) : await this.applyRow(eventId, change);
    try {
      await this.outcomes.insertOne({ _id: eventId, outcome });
    } catch (error) {
      // Recorded meanwhile by another delivery of the same event: same change, same answer.
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
    return { outcome, repeated: false };
  }

  private async truncatedAt(readModel: string): Promise<SourcePosition | undefined> {
    return (await this.truncations.findOne({ _id: readModel }))?.position;
  }

  private async truncate(change: TruncateChange): Promise<ApplyOutcome> {
    const syncedAt = new Date().toISOString();
    const current = await this.truncatedAt(change.readModel);
    if (current !== undefined && comparePositions(current, change.position) > 0) {
      return { status: 'stale', syncedAt, current, reason: 'truncated' };
    }
    // The mark first: a row change that checks it after its write sees it, or wrote before
    // the deleteMany below, which then removes it.
    await this.truncations.updateOne(
      { _id: change.readModel },
      { $max: { position: change.position } },
      { upsert: true },
    );
    await this.db
      .collection(change.readModel)
      .deleteMany({ [`${this.options.metaField}.position`]: { $lt: change.position } });
    return { status: 'applied', syncedAt };
  }

  private async applyRow(eventId: string, change: RowChange): Promise<ApplyOutcome> {
    const syncedAt = new Date().toISOString();
    const collection = this.db.collection<ReadModelDocument>(change.readModel);
    const truncatedAt = await this.truncatedAt(change.readModel);
    // The row moved to another key: the new key first, with the old key's columns at hand, then
    // a tombstone for the old key at this position. A retry after the first write finds the old
    // row still there (no transaction spans the two documents).
    const movedFrom =
      change.previousKey === undefined ? undefined : await this.readRow(collection, change.previousKey.key);
    const { decision } = await this.writeRow(collection, eventId, change, truncatedAt, movedFrom);
    if (change.previousKey !== undefined) {
      const moved: RowChange = { ...change, ...change.previousKey, op: 'delete', fields: null, unavailable: [] };
      await this.writeRow(collection, eventId, moved, truncatedAt);
    }
    if (decision.kind === 'stale')
      return { status: 'stale', syncedAt, current: decision.current, reason: decision.reason };
    const truncatedSince = await this.truncatedAt(change.readModel);
    if (truncatedSince !== undefined && comparePositions(truncatedSince, change.position) > 0) {
      await collection.deleteOne(this.filter(documentId(change.key), change.position));
      return { status: 'stale', syncedAt, current: truncatedSince, reason: 'truncated' };
    }
    return { status: 'applied', syncedAt };
  }

  private async writeRow(
    collection: Collection<ReadModelDocument>,
    eventId: string,
    change: RowChange,
    truncatedAt: SourcePosition | undefined,
    movedFrom?: StoredRow,
  ): Promise<WrittenRow> {
    const id = documentId(change.key);
    const stored = await this.readRow(collection, change.key);
    const decision = decideRowWrite(stored, change, truncatedAt, movedFrom);
    if (decision.kind !== 'write') return { decision, stored };
    const row = decision.row;
    const meta: Meta = {
      position: row.position,
      eventId,
      op: change.op,
      commitTime: change.commitTime,
      deleted: row.deleted,
      ...(row.missing.length === 0 ? {} : { missing: [...row.missing] }),
    };
    const replacement = { ...this.fieldsOf(change, row.document ?? {}), _id: id, [this.options.metaField]: meta };
    if (stored !== undefined) {
      const result = await collection.replaceOne(this.filter(id, stored.position), replacement);
      if (result.matchedCount === 0) {
        throw new ReadModelConflict(`${change.readModel} ${change.keyText} changed while the change was applied`);
      }
      return { decision, stored };
    }
    try {
      await collection.replaceOne(this.filter(id, { $lt: row.position }), replacement, { upsert: true });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
        throw new ReadModelConflict(`${change.readModel} ${change.keyText} was stored while the change was applied`, {
          cause: error,
        });
      }
      throw error;
    }
    return { decision, stored };
  }

  private async readRow(collection: Collection<ReadModelDocument>, key: Row): Promise<StoredRow | undefined> {
    const document = await collection.findOne(this.filter(documentId(key)));
    return document === null ? undefined : this.storedRow(document);
  }

  /** By `_id`, and by stored position when given.  */
  private filter(id: DocumentId, position?: SourcePosition | { $lt: SourcePosition }): Filter<ReadModelDocument> {
    const filter: Document = { _id: id };
    if (position !== undefined) filter[`${this.options.metaField}.position`] = position;
    return filter;
  }

  private storedRow(document: ReadModelDocument): StoredRow {
    const meta = document[this.options.metaField] as Partial<Meta> | undefined;
    if (meta === undefined || typeof meta.position !== 'string') {
      throw new SyncChangeUnsupported(
        `document ${JSON.stringify(document['_id'])} has no ${this.options.metaField}.position: it was not written by the sync agent`,
      );
    }
    const { _id: _ignored, [this.options.metaField]: _meta, ...columns } = document;
    return {
      position: meta.position,
      deleted: meta.deleted === true,
      document: meta.deleted === true ? null : columns,
      missing: meta.missing ?? [],
    };
  }

  /** The columns as document fields; names MongoDB would read as operators or clashing with ours are refused. */
  private fieldsOf(change: RowChange, columns: Row): Row {
    const fields: Row = {};
    for (const [name, value] of Object.entries(columns)) {
      if (name === '_id') {
        // A MongoDB source's own _id is the key; a PostgreSQL column called _id would replace it.
        if (JSON.stringify(value) !== JSON.stringify(change.key['_id'])) {
          throw new SyncChangeUnsupported(`${change.readModel} has a column "_id" that is not its key`);
        }
        continue;
      }
      if (name === this.options.metaField) {
        throw new SyncChangeUnsupported(
          `${change.readModel} has a column "${name}", the read model's meta field (set SYNC_MONGODB_META_FIELD to another name)`,
        );
      }
      if (name.startsWith('$') || name.includes('\0')) {
        throw new SyncChangeUnsupported(`${change.readModel} has a column "${name}" MongoDB cannot store as a field`);
      }
      fields[name] = value;
    }
    return fields;
  }
}

/** A key of one column is the document's `_id` itself; a composite key is the key object. */
export function documentId(key: Row): DocumentId {
  const columns = Object.keys(key);
  return columns.length === 1 ? (key[columns[0] as string] as DocumentId) : key;
}
