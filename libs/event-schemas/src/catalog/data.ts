/**
 * `data.changed`: one row or document change from PostgreSQL logical replication (pgoutput)
 * or a MongoDB change stream (cdc-listener). The CloudEvent `subject` is `schema.table` or
 * `db.collection`; the position lets an operator line an event up with the source's log.
 */
import { z } from 'zod';
import { timestamp } from './field-types';

const postgresSource = z.object({
  kind: z.literal('postgres'),
  database: z.string().min(1),
  schema: z.string().min(1),
  table: z.string().min(1),
  lsn: z
    .string()
    .regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/, 'a PostgreSQL LSN such as 0/16B3748')
    .meta({ description: 'LSN of the commit, PostgreSQL text form' }),
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
    op: z
      .enum(['insert', 'update', 'delete', 'snapshot'])
      .meta({ description: 'snapshot: a row read by the initial copy, not a change' }),
    source: z.discriminatedUnion('kind', [postgresSource, mongodbSource]),
    key: row.meta({ description: 'primary key columns, or { _id } for MongoDB' }),
    // Values are as the source decoder delivers them: PostgreSQL numeric and int8 arrive as
    // strings so no precision is lost on the way through JSON.
    before: row
      .nullable()
      .meta({ description: 'the old row; null unless the source provides it (REPLICA IDENTITY FULL, pre-images)' }),
    after: row.nullable().meta({ description: 'the new row; null for a delete' }),
    commitTime: timestamp.meta({ description: 'commit time of the transaction at the source' }),
  })
  .superRefine((change, context) => {
    // The op decides which images can exist; a change that contradicts it is a decoder bug.
    if (change.op !== 'delete' && change.after === null) {
      context.addIssue({ code: 'custom', path: ['after'], message: `${change.op} must carry the new row in "after"` });
    }
    if (change.op === 'delete' && change.after !== null) {
      context.addIssue({ code: 'custom', path: ['after'], message: 'delete must have "after": null' });
    }
    if ((change.op === 'insert' || change.op === 'snapshot') && change.before !== null) {
      context.addIssue({ code: 'custom', path: ['before'], message: `${change.op} must have "before": null` });
    }
  })
  .meta({
    description:
      'One row/document change (cdc-listener). insert/update/snapshot carry "after"; delete has "after": null.',
  });
