/**
 * The streaming replication sub-protocol carried in CopyData messages once
 * START_REPLICATION has begun (https://www.postgresql.org/docs/current/protocol-replication.html):
 * the server sends XLogData ('w') and primary keepalives ('k'); the client answers with
 * standby status updates ('r') that report how far it has durably processed the stream.
 * For a logical slot, the "flushed" position of a status update becomes the slot's
 * confirmed_flush_lsn: the server may discard WAL before it and never resends it.
 */

/** Microseconds between the Unix epoch and PostgreSQL's epoch, 2000-01-01T00:00:00Z. */
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000n;

export interface XLogData {
  kind: 'xlogdata';
  /** Where this message's WAL data starts: for a row change, the LSN of its WAL record. */
  walStart: bigint;
  /** The server's current end of WAL. */
  walEnd: bigint;
  /** The pgoutput message. */
  data: Buffer;
}

export interface PrimaryKeepalive {
  kind: 'keepalive';
  walEnd: bigint;
  /** The server disconnects after wal_sender_timeout unless the client answers. */
  replyRequested: boolean;
}

export type ReplicationFrame = XLogData | PrimaryKeepalive;

/** One CopyData payload of the replication stream; other kinds do not exist in protocol 3.0. */
export function parseReplicationFrame(chunk: Buffer): ReplicationFrame {
  const tag = chunk[0];
  if (tag === 0x77 /* w */) {
    return {
      kind: 'xlogdata',
      walStart: chunk.readBigUInt64BE(1),
      walEnd: chunk.readBigUInt64BE(9),
      data: chunk.subarray(25),
    };
  }
  if (tag === 0x6b /* k */) {
    return { kind: 'keepalive', walEnd: chunk.readBigUInt64BE(1), replyRequested: chunk[17] === 1 };
  }
  throw new Error(`unknown replication message ${tag === undefined ? '(empty)' : `0x${tag.toString(16)}`}`);
}

/**
 * A standby status update reporting `confirmed` as written, flushed and applied. Only ever
 * called with a position whose changes Kafka has acknowledged (see change-stream.ts).
 */
export function standbyStatusUpdate(confirmed: bigint, now: Date = new Date()): Buffer {
  const message = Buffer.alloc(34);
  message[0] = 0x72; // 'r'
  message.writeBigUInt64BE(confirmed, 1);
  message.writeBigUInt64BE(confirmed, 9);
  message.writeBigUInt64BE(confirmed, 17);
  message.writeBigInt64BE(BigInt(now.getTime()) * 1000n - POSTGRES_EPOCH_MICROS, 25);
  message[33] = 0; // no reply requested
  return message;
}

/** A PostgreSQL timestamp (microseconds since 2000-01-01 UTC) as RFC 3339 with microseconds. */
export function postgresTimestampToIso(micros: bigint): string {
  const unixMicros = micros + POSTGRES_EPOCH_MICROS;
  const millis = unixMicros / 1000n;
  const extraMicros = Number(((unixMicros % 1000n) + 1000n) % 1000n);
  const floorMillis = unixMicros < 0n && unixMicros % 1000n !== 0n ? millis - 1n : millis;
  const iso = new Date(Number(floorMillis)).toISOString(); // …ss.mmmZ
  return `${iso.slice(0, -1)}${String(extraMicros).padStart(3, '0')}Z`;
}
