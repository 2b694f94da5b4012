/**
 * Why the listener cannot start or must stop. Each class has one stable code; the message
 * names the fix (the setting, the SQL, the recovery), because the reader is an operator
 * looking at a crash-looping pod. None is worth retrying blindly except SlotInUse (the
 * previous holder of the slot is going away) and ReplicationStreamLost (a restart resumes
 * from the last confirmed position).
 */
import { FlowlineError } from '@flowline/errors';

export const CDC_ERROR_CODES = [
  'WAL_LEVEL_NOT_LOGICAL',
  'REPLICATION_PRIVILEGE_MISSING',
  'NO_FREE_REPLICATION_SLOT',
  'NO_FREE_WAL_SENDER',
  'TABLE_NOT_FOUND',
  'TABLE_WITHOUT_REPLICA_IDENTITY',
  'PUBLICATION_INCOMPLETE',
  'SETUP_PERMISSION_DENIED',
  'SLOT_MISMATCH',
  'SLOT_IN_USE',
  'POSSIBLE_GAP',
  'REPLICATION_STREAM_LOST',
  'MONGO_NOT_REPLICA_SET',
  'CHANGE_STREAM_HISTORY_LOST',
] as const;
export type CdcErrorCode = (typeof CDC_ERROR_CODES)[number];

export abstract class CdcError extends FlowlineError {
  abstract override readonly code: CdcErrorCode;
}

/** The server's wal_level is not `logical`: logical decoding is impossible until it is. */
export class WalLevelNotLogical extends CdcError {
  readonly code = 'WAL_LEVEL_NOT_LOGICAL';
  constructor(actual: string, options?: ErrorOptions) {
    super(
      `PostgreSQL has wal_level=${actual}; logical replication needs wal_level=logical. Run ALTER SYSTEM SET wal_level = logical; and restart PostgreSQL (a reload is not enough)`,
      options,
    );
  }
}

/** The connecting role may not open replication connections. */
export class ReplicationPrivilegeMissing extends CdcError {
  readonly code = 'REPLICATION_PRIVILEGE_MISSING';
  constructor(role: string, options?: ErrorOptions) {
    super(
      `role "${role}" has no REPLICATION privilege, which a logical replication slot needs. Run ALTER ROLE "${role}" WITH REPLICATION; (as a superuser), or connect as a role that has it`,
      options,
    );
  }
}

/** Every replication slot the server allows is taken. */
export class NoFreeReplicationSlot extends CdcError {
  readonly code = 'NO_FREE_REPLICATION_SLOT';
  constructor(detail: string, options?: ErrorOptions) {
    super(
      `no free replication slot (${detail}). Drop a slot nobody reads any more (SELECT pg_drop_replication_slot('<name>'); see pg_replication_slots) or raise max_replication_slots in postgresql.conf and restart PostgreSQL`,
      options,
    );
  }
}

/** Every WAL sender process the server allows is busy. */
export class NoFreeWalSender extends CdcError {
  readonly code = 'NO_FREE_WAL_SENDER';
  override readonly retryable = true;
  constructor(options?: ErrorOptions) {
    super(
      'PostgreSQL has no free WAL sender for the replication connection: raise max_wal_senders in postgresql.conf and restart PostgreSQL, or stop another replication client',
      options,
    );
  }
}

export class TableNotFound extends CdcError {
  readonly code = 'TABLE_NOT_FOUND';
  constructor(tables: readonly string[], options?: ErrorOptions) {
    super(
      `CDC_TABLES names tables that do not exist: ${tables.join(', ')} (names are case-sensitive, schema.table)`,
      options,
    );
  }
}

/**
 * A table whose UPDATEs and DELETEs PostgreSQL could not identify (no primary key and the
 * default replica identity, or REPLICA IDENTITY NOTHING). Once such a table is in a
 * publication, PostgreSQL refuses its updates and deletes: the listener will not do that to
 * the application.
 */
export class TableWithoutReplicaIdentity extends CdcError {
  readonly code = 'TABLE_WITHOUT_REPLICA_IDENTITY';
  constructor(tables: readonly string[], options?: ErrorOptions) {
    super(
      `${tables.join(', ')} cannot identify its rows to logical replication (no primary key, replica identity default or nothing); in a publication its UPDATEs and DELETEs would fail. Add a primary key, or run ALTER TABLE <table> REPLICA IDENTITY FULL;`,
      options,
    );
  }
}

/** The publication exists but lacks tables or operations, and the listener may not change it. */
export class PublicationIncomplete extends CdcError {
  readonly code = 'PUBLICATION_INCOMPLETE';
}

/** The role may not create or change what the listener needs; the message carries the SQL to run by hand. */
export class SetupPermissionDenied extends CdcError {
  readonly code = 'SETUP_PERMISSION_DENIED';
}

/** A slot of that name exists but is not a pgoutput slot of this database. */
export class SlotMismatch extends CdcError {
  readonly code = 'SLOT_MISMATCH';
}

/** Another connection is streaming from the slot (a second listener, or one that is going away). */
export class SlotInUse extends CdcError {
  readonly code = 'SLOT_IN_USE';
  override readonly retryable = true;
}

/**
 * The slot cannot continue from the last position this listener confirmed: it is gone, was
 * recreated (its position is past the recorded one), or was invalidated. Changes may have
 * been lost in between, so the listener will not silently start from now.
 */
export class PossibleGap extends CdcError {
  readonly code = 'POSSIBLE_GAP';
}

/**
 * The stream cannot go on in this process: Kafka refused a change, or the replication
 * connection was lost and starting it again failed for a reason a retry cannot mend (a lost
 * connection alone is streamed again in process). A restart resumes from the confirmed position.
 */
export class ReplicationStreamLost extends CdcError {
  readonly code = 'REPLICATION_STREAM_LOST';
  override readonly retryable = true;
}

/** MongoDB change streams need a replica set (or a sharded cluster). */
export class MongoNotReplicaSet extends CdcError {
  readonly code = 'MONGO_NOT_REPLICA_SET';
}

/**
 * The stored resume token is no longer in the oplog (ChangeStreamHistoryLost): resuming would
 * skip the changes in between, so the listener stops instead of starting from now.
 */
export class ChangeStreamHistoryLost extends CdcError {
  readonly code = 'CHANGE_STREAM_HISTORY_LOST';
}
