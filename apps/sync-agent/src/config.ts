import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';
import { READ_MODEL_NAME_PLACEHOLDERS } from './read-model-change';

/** MongoDB database names: no `/\. "$`, at most 63 bytes. */
const MONGO_DATABASE = /^[^/\\. "$*<>:|?]{1,63}$/;
/** A template of letters, digits, `_`, `-`, `.` and `{placeholder}`s. */
const NAME_TEMPLATE = /^(?:[A-Za-z0-9_.-]|\{[a-z]+\})+$/;

const collectionNameTemplate = withExample(
  z
    .string()
    .default('{schema}.{table}')
    .superRefine((template, context) => {
      if (!NAME_TEMPLATE.test(template)) {
        context.addIssue({ code: 'custom', message: 'letters, digits, _ - . and {database} {schema} {table} only' });
        return;
      }
      const unknown = [...template.matchAll(/\{([a-z]+)\}/g)]
        .map((match) => match[1] ?? '')
        .filter((name) => !(READ_MODEL_NAME_PLACEHOLDERS as readonly string[]).includes(name));
      if (unknown.length > 0) {
        context.addIssue({
          code: 'custom',
          message: `unknown placeholder {${unknown.join('}, {')}}; use {database}, {schema}, {table}`,
        });
      }
      if (!template.includes('{table}')) {
        context.addIssue({
          code: 'custom',
          message: 'must contain {table}, or every table would share one read model',
        });
      }
      if (template.startsWith('system.')) {
        context.addIssue({ code: 'custom', message: 'MongoDB reserves collection names starting with system.' });
      }
    }),
  'rm_{schema}_{table}',
);

export const syncAgentConfig = baseServiceConfig.extend({
  PORT: configFields.port(8087),
  /** Where changes are applied: a MongoDB read model (the default) or a PostgreSQL jsonb table. */
  SYNC_TARGET: withExample(z.enum(['mongodb', 'postgres']).default('mongodb'), 'postgres'),
  /**
   * The read model's name for a source table: `{database}`, `{schema}` (PostgreSQL schema;
   * for a MongoDB source its database) and `{table}` (table or collection). A MongoDB
   * collection name, or the `collection` column of the PostgreSQL target.
   */
  SYNC_READ_MODEL_NAME: collectionNameTemplate,
  /** The MongoDB target (SYNC_TARGET=mongodb). */
  MONGODB_URL: configFields.url('mongodb://127.0.0.1:27017/?directConnection=true', ['mongodb', 'mongodb+srv']),
  /** The database holding the read-model collections, the truncation marks and the outcomes. */
  SYNC_MONGODB_DATABASE: withExample(
    z
      .string()
      .default('flowline_read_model')
      .pipe(z.string().regex(MONGO_DATABASE, 'a MongoDB database name: no / \\ . " $ or spaces, ≤ 63')),
    'read_model',
  ),
  /** The field of each read-model document holding its source position, event id and tombstone flag. */
  SYNC_MONGODB_META_FIELD: withExample(
    z
      .string()
      .default('_flowline')
      .pipe(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'letters, digits and _, not starting with a digit')
          .refine((name) => name !== '_id', 'must not be _id'),
      ),
    '_sync',
  ),
  /** The PostgreSQL target (SYNC_TARGET=postgres), which also holds its inbox. */
  DATABASE_URL: configFields.url('postgres://postgres@127.0.0.1:55432/flowline', ['postgres', 'postgresql']),
  /** The read-model table; `<table>_truncations` and `<table>_outcomes` sit beside it. */
  SYNC_POSTGRES_TABLE: withExample(
    z
      .string()
      .default('sync_read_model')
      .pipe(z.string().regex(/^[a-z_][a-z0-9_]{0,45}$/, 'a plain lower-case identifier, ≤ 46 characters')),
    'orders_read_model',
  ),
});
export type SyncAgentConfig = z.infer<typeof syncAgentConfig>;
