/**
 * Decodes pgoutput's logical replication messages, protocol version 1
 * (https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html).
 * Pure: bytes in, plain objects out. Column values stay as PostgreSQL's text output here;
 * column-value.ts maps them to JSON, and an unchanged TOASTed value stays marked as such —
 * it is never turned into a value (a null, an undefined) that could pass for data.
 */

/** One column of a tuple as pgoutput sent it. */
export type TupleValue =
  | { kind: 'null' }
  /** A TOASTed value the update did not change: PostgreSQL did not send it. */
  | { kind: 'unchanged-toast' }
  | { kind: 'text'; text: string };

export interface RelationColumn {
  name: string;
  typeOid: number;
  typeModifier: number;
  /** Part of the replica identity (the primary key by default; every column with FULL). */
  isIdentity: boolean;
}

export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';

export interface RelationMessage {
  tag: 'relation';
  relationOid: number;
  schema: string;
  table: string;
  replicaIdentity: ReplicaIdentity;
  columns: RelationColumn[];
}

export interface BeginMessage {
  tag: 'begin';
  /** LSN of the transaction's commit record. */
  finalLsn: bigint;
  /** Microseconds since 2000-01-01 UTC. */
  commitTime: bigint;
  xid: number;
}

export interface CommitMessage {
  tag: 'commit';
  commitLsn: bigint;
  /** End of the commit record: the position to confirm once the transaction is handled. */
  endLsn: bigint;
  commitTime: bigint;
}

export interface InsertMessage {
  tag: 'insert';
  relationOid: number;
  newTuple: TupleValue[];
}

export interface UpdateMessage {
  tag: 'update';
  relationOid: number;
  /** 'key': the old replica identity columns (the key changed); 'old': the whole old row (FULL). */
  oldKind: 'key' | 'old' | undefined;
  oldTuple: TupleValue[] | undefined;
  newTuple: TupleValue[];
}

export interface DeleteMessage {
  tag: 'delete';
  relationOid: number;
  oldKind: 'key' | 'old';
  oldTuple: TupleValue[];
}

export interface TruncateMessage {
  tag: 'truncate';
  relationOids: number[];
  cascade: boolean;
  restartIdentity: boolean;
}

export interface TypeMessage {
  tag: 'type';
  typeOid: number;
  schema: string;
  name: string;
}

/** Messages the listener has no use for (replication origin, logical decoding messages). */
export interface IgnoredMessage {
  tag: 'origin' | 'message';
}

export type PgoutputMessage =
  | BeginMessage
  | CommitMessage
  | RelationMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | IgnoredMessage;

class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  uint8(): number {
    const value = this.buffer.readUInt8(this.offset);
    this.offset += 1;
    return value;
  }

  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint64(): bigint {
    const value = this.buffer.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  int64(): bigint {
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A null-terminated UTF-8 string. */
  string(): string {
    const end = this.buffer.indexOf(0, this.offset);
    if (end === -1) throw new Error('pgoutput: unterminated string');
    const value = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }

  text(length: number): string {
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

const REPLICA_IDENTITIES: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

export function decodePgoutput(data: Buffer): PgoutputMessage {
  const reader = new Reader(data);
  const tag = String.fromCharCode(reader.uint8());
  switch (tag) {
    case 'B':
      return { tag: 'begin', finalLsn: reader.uint64(), commitTime: reader.int64(), xid: reader.uint32() };
    case 'C': {
      reader.uint8(); // flags, unused
      return { tag: 'commit', commitLsn: reader.uint64(), endLsn: reader.uint64(), commitTime: reader.int64() };
    }
    case 'R':
      return relation(reader);
    case 'Y':
      return { tag: 'type', typeOid: reader.uint32(), schema: reader.string(), name: reader.string() };
    case 'I': {
      const relationOid = reader.uint32();
      expectTag(reader, 'N', 'insert');
      return { tag: 'insert', relationOid, newTuple: tuple(reader) };
    }
    case 'U': {
      const relationOid = reader.uint32();
      let next = String.fromCharCode(reader.uint8());
      let oldKind: UpdateMessage['oldKind'];
      let oldTuple: TupleValue[] | undefined;
      if (next === 'K' || next === 'O') {
        oldKind = next === 'K' ? 'key' : 'old';
        oldTuple = tuple(reader);
        next = String.fromCharCode(reader.uint8());
      }
      if (next !== 'N') throw new Error(`pgoutput: update without its new tuple (got "${next}")`);
      return { tag: 'update', relationOid, oldKind, oldTuple, newTuple: tuple(reader) };
    }
    case 'D': {
      const relationOid = reader.uint32();
      const kind = String.fromCharCode(reader.uint8());
      if (kind !== 'K' && kind !== 'O') throw new Error(`pgoutput: delete without its old tuple (got "${kind}")`);
      return { tag: 'delete', relationOid, oldKind: kind === 'K' ? 'key' : 'old', oldTuple: tuple(reader) };
    }
    case 'T': {
      const count = reader.uint32();
      const options = reader.uint8();
      const relationOids: number[] = [];
      for (let i = 0; i < count; i++) relationOids.push(reader.uint32());
      return { tag: 'truncate', relationOids, cascade: (options & 1) !== 0, restartIdentity: (options & 2) !== 0 };
    }
    case 'O':
      return { tag: 'origin' };
    case 'M':
      return { tag: 'message' };
    default:
      throw new Error(`pgoutput: unknown message "${tag}" (protocol version 1 was asked for)`);
  }
}

function expectTag(reader: Reader, expected: string, message: string): void {
  const tag = String.fromCharCode(reader.uint8());
  if (tag !== expected) throw new Error(`pgoutput: ${message} expected "${expected}", got "${tag}"`);
}

function relation(reader: Reader): RelationMessage {
  const relationOid = reader.uint32();
  const schema = reader.string();
  const table = reader.string();
  const identity = String.fromCharCode(reader.uint8());
  const replicaIdentity = REPLICA_IDENTITIES[identity];
  if (replicaIdentity === undefined) throw new Error(`pgoutput: unknown replica identity "${identity}"`);
  const count = reader.int16();
  const columns: RelationColumn[] = [];
  for (let i = 0; i < count; i++) {
    const flags = reader.uint8();
    columns.push({
      isIdentity: (flags & 1) !== 0,
      name: reader.string(),
      typeOid: reader.uint32(),
      typeModifier: reader.int32(),
    });
  }
  // pgoutput sends an empty namespace for pg_catalog.
  return {
    tag: 'relation',
    relationOid,
    schema: schema === '' ? 'pg_catalog' : schema,
    table,
    replicaIdentity,
    columns,
  };
}

function tuple(reader: Reader): TupleValue[] {
  const count = reader.int16();
  const values: TupleValue[] = [];
  for (let i = 0; i < count; i++) {
    const kind = String.fromCharCode(reader.uint8());
    if (kind === 'n') values.push({ kind: 'null' });
    else if (kind === 'u') values.push({ kind: 'unchanged-toast' });
    else if (kind === 't') values.push({ kind: 'text', text: reader.text(reader.int32()) });
    // 'b' (binary) only with the `binary` option, which the listener never asks for.
    else throw new Error(`pgoutput: unexpected column kind "${kind}"`);
  }
  return values;
}
