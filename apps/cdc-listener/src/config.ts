import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';

/** `schema.table` (a bare `table` means `public.table`); names are exact, as pg_class shows them. */
const TABLE_NAME = /^(?:[^.\s"]+\.)?[^.\s"]+$/;
/** Replication slot names: lower-case letters, digits and underscores, at most 63 (PostgreSQL's rule). */
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
/** `db.collection`, or `db.*` for every collection of a database (MongoDB's name rules, loosely). */
const MONGO_TARGET = /^[^.\s$/\\"]+\.(?:\*|[^\s$]+)$/;
/** Names the listener puts into SQL unquoted-safe: letters, digits, underscores. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A list from the environment (`a,b`) or from the YAML file (a list). */
function nameList(pattern: RegExp, problem: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .default([])
    .transform((value) =>
      (typeof value === 'string' ? value.split(',') : value).map((name) => name.trim()).filter((name) => name !== ''),
    )
    .pipe(z.array(z.string().regex(pattern, problem)));
}

const qualifiedTable = (fallback: string) =>
  withExample(
    z
      .string()
      .default(fallback)
      .pipe(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'schema.table, letters, digits and _'),
      ),
    fallback,
  );

const flag = (fallback: boolean) => withExample(z.stringbool().default(fallback), String(fallback));

export const cdcListenerConfig = baseServiceConfig
  .extend({
    PORT: configFields.port(8082),
    /** The database whose tables are streamed (its role needs REPLICATION; README "Setting up PostgreSQL"). */
    DATABASE_URL: configFields.url('postgres://postgres@127.0.0.1:55432/flowline', ['postgres', 'postgresql']),
    /** Tables to stream, `schema.table`. Empty: PostgreSQL CDC is off (the service idles and says so). */
    CDC_TABLES: withExample(nameList(TABLE_NAME, 'schema.table, e.g. public.orders'), 'public.orders,public.customers'),
    /** The logical replication slot (pgoutput); created if missing on first start. */
    CDC_SLOT: withExample(
      z.string().default('flowline_cdc').pipe(z.string().regex(SLOT_NAME, 'lower-case letters, digits and _, ≤ 63')),
      'flowline_cdc',
    ),
    /** The publication the slot streams; created, and completed with missing tables, when CDC_MANAGE_PUBLICATION. */
    CDC_PUBLICATION: withExample(
      z.string().default('flowline_cdc').pipe(z.string().regex(IDENTIFIER, 'letters, digits and _, ≤ 63')),
      'flowline_cdc',
    ),
    /** false: the publication is the DBA's; the listener only checks it and names what is missing. */
    CDC_MANAGE_PUBLICATION: flag(true),
    /**
     * How often a row is written to the heartbeat table (in the publication), so the slot's
     * position advances on a quiet database, or one whose changes are all in other tables.
     * 0 turns the heartbeat off.
     */
    CDC_HEARTBEAT_INTERVAL_MS: withExample(z.coerce.number().int().min(0).default(10_000), '10000'),
    CDC_HEARTBEAT_TABLE: qualifiedTable('public.flowline_cdc_heartbeat'),
    /**
     * Where the last confirmed position is recorded (per slot), so a slot that disappeared or
     * was recreated is noticed as a possible gap. Not in the publication.
     */
    CDC_POSITION_TABLE: qualifiedTable('public.flowline_cdc_position'),
    /** How often the acknowledged position is recorded and confirmed to PostgreSQL. */
    CDC_CONFIRM_INTERVAL_MS: configFields.positiveInt(1_000),
    /** How often the WAL the slot retains is measured (flowline_cdc_slot_retained_wal_bytes). */
    CDC_WAL_CHECK_INTERVAL_MS: configFields.positiveInt(15_000),
    /** Past this many bytes of retained WAL, every check logs an error: the database's disk is filling. */
    CDC_WAL_RETAINED_WARN_BYTES: withExample(z.coerce.number().int().positive().default(1_073_741_824), '1073741824'),
    /**
     * Start although the slot cannot continue from the recorded position (it is gone, was
     * recreated or invalidated): accept the possible gap, logged with its range. For a
     * deliberate recovery only; unset it again afterwards.
     */
    CDC_ALLOW_NEW_SLOT: flag(false),
    /** When the slot is created, first publish every row of the tables as `snapshot` events. */
    CDC_SNAPSHOT: flag(false),
    /** Events published and not yet acknowledged by Kafka at most; the stream waits beyond it. */
    CDC_MAX_IN_FLIGHT: configFields.positiveInt(10_000),
    /** The MongoDB deployment whose change streams are read (a replica set or mongos). */
    MONGODB_URL: configFields.url('mongodb://127.0.0.1:27017/?directConnection=true', ['mongodb', 'mongodb+srv']),
    /** `db.collection` or `db.*` (a whole database), comma-separated or a YAML list. Empty: MongoDB CDC is off. */
    CDC_MONGO_COLLECTIONS: withExample(
      nameList(MONGO_TARGET, 'db.collection or db.*, e.g. shop.orders'),
      'shop.orders,billing.*',
    ),
    /** The database holding the stored resume tokens (collection resume_tokens); never watched. */
    CDC_MONGO_STATE_DATABASE: withExample(
      z
        .string()
        .default('flowline_cdc')
        .pipe(z.string().regex(/^[^.\s$/\\"]{1,63}$/, 'a MongoDB database name')),
      'flowline_cdc',
    ),
  })
  .superRefine((config, context) => {
    const watchedState = config.CDC_MONGO_COLLECTIONS.find(
      (target) => target.split('.')[0] === config.CDC_MONGO_STATE_DATABASE,
    );
    if (watchedState !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['CDC_MONGO_COLLECTIONS'],
        message: `${watchedState} is in CDC_MONGO_STATE_DATABASE (${config.CDC_MONGO_STATE_DATABASE}), where the listener stores its resume tokens: watching it would stream its own writes`,
      });
    }
  });
export type CdcListenerConfig = z.infer<typeof cdcListenerConfig>;

/** `orders` → `public.orders`. */
export function qualifyTable(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}
