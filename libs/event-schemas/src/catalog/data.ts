/**
 * `data.changed`: one row or document change from PostgreSQL logical replication (pgoutput)
 * or a MongoDB change stream (cdc-listener). The CloudEvent `subject` is `schema.table` or
 * `db.collection`; the position lets an operator line an event up with the source's log.
 */
import { z } from 'zod';
import { timestamp } from './field-types';

const lsn = z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/, 'a PostgreSQL LSN such as 0/16B3748');

const postgresSource = z.object({
  kind: z.literal('postgres'),
  database: z.string().min(1),
  schema: z.string().min(1),
  table: z.string().min(1),
  lsn: lsn.meta({
    description:
      "LSN of the transaction's commit, PostgreSQL text form: the same for every change of one transaction (a snapshot row: the slot's start point)",
  }),
  changeLsn: lsn
    .optional()
    .meta({ description: "LSN of this change's own WAL record; with the table and key it identifies the change" }),
  transactionId: z.number().int().nonnegative().optional(),
});

const mongodbSource = z.object({
  kind: z.literal('mongodb'),
  database: z.string().min(1),
  collection: z.string().min(1),
  // Opaque to everyone but the MongoDB driver (`resumeAfter`); usually `{ _data: "<hex>" }`.
  resumeToken: z
    .record(z.string(), z.unknown())
    .meta({ description: 'change stream resume token (_id of the change event)' }),
});

const row = z.record(z.string(), z.unknown());

export const dataChangedV1 = z
  .object({
    op: z.enum(['insert', 'update', 'delete', 'truncate', 'snapshot']).meta({
      description:
        'truncate: the whole table was emptied (one event per table, key {}, no images); snapshot: a row read by the initial copy, not a change',
    }),
    source: z.discriminatedUnion('kind', [postgresSource, mongodbSource]),
    key: row.meta({ description: 'primary key (replica identity) columns, or { _id } for MongoDB; {} for truncate' }),
    previousKey: row.optional().meta({ description: 'the old key, when an update changed the key' }),
    // Values are as the source decoder delivers them: PostgreSQL numeric and int8 arrive as
    // strings so no precision is lost on the way through JSON (apps/cdc-listener/README.md
    // has the whole type mapping).
    before: row
      .nullable()
      .meta({ description: 'the old row; null unless the source provides it (REPLICA IDENTITY FULL, pre-images)' }),
    after: row.nullable().meta({ description: 'the new row; null for a delete and a truncate' }),
    // PostgreSQL does not repeat an unchanged TOASTed value (a large text, jsonb or bytea) in an
    // update under the default replica identity. Its column is left out of "after" and named
    // here, so a consumer never takes a placeholder, or a missing value, for data.
    unavailable: z.array(z.string().min(1)).optional().meta({
      description:
        'columns of "after" whose value the source did not send (unchanged TOASTed values); left out of "after", read the table if needed',
    }),
    commitTime: timestamp.meta({ description: 'commit time of the transaction at the source' }),
  })
  .superRefine((change, context) => {
    // The op decides which images can exist; a change that contradicts it is a decoder bug.
    const rowless = change.op === 'delete' || change.op === 'truncate';
    if (!rowless && change.after === null) {
      context.addIssue({ code: 'custom', path: ['after'], message: `${change.op} must carry the new row in "after"` });
    }
    if (rowless && change.after !== null) {
      context.addIssue({ code: 'custom', path: ['after'], message: `${change.op} must have "after": null` });
    }
    if (change.op !== 'update' && change.op !== 'delete' && change.before !== null) {
      context.addIssue({ code: 'custom', path: ['before'], message: `${change.op} must have "before": null` });
    }
    if (change.op === 'truncate' && Object.keys(change.key).length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['key'],
        message: 'truncate concerns the whole table: "key" must be {}',
      });
    }
    if (change.unavailable !== undefined) {
      if (change.op !== 'update') {
        context.addIssue({ code: 'custom', path: ['unavailable'], message: 'only an update can leave values out' });
      }
      for (const column of change.unavailable) {
        if (change.after !== null && Object.hasOwn(change.after, column)) {
          context.addIssue({
            code: 'custom',
            path: ['unavailable'],
            message: `"${column}" is named unavailable but has a value in "after"`,
          });
        }
      }
    }
  })
  .meta({
    description:
      'One row/document change (cdc-listener). insert/update/snapshot carry "after"; delete and truncate have "after": null.',
  });
