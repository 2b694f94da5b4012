/**
 * A `replication=database` connection: creates the slot and streams it. The stream is
 * pg-copy-streams' CopyBoth duplex over the connection's socket: reading it yields one
 * CopyData payload per chunk (XLogData or keepalive), and while nobody reads it the socket
 * is not read either, so a slow publisher holds the server back (TCP back-pressure) rather
 * than filling memory. Writing it sends CopyData to the server (standby status updates).
 */
import type { Duplex, DuplexOptions } from 'node:stream';
import pg from 'pg';
import { both } from 'pg-copy-streams';
import { NoFreeReplicationSlot, NoFreeWalSender, SlotInUse } from '../errors';
import { SESSION_SETTINGS } from './column-value';
import { parseLsn } from './lsn';
import { quoteIdentifier, quoteLiteral } from './postgres-setup';
import { standbyStatusUpdate } from './replication-protocol';

// @types/pg-copy-streams lacks the CopyBoth stream pg-copy-streams 7 has.
declare module 'pg-copy-streams' {
  export function both(
    text: string,
    options?: DuplexOptions & { alignOnCopyDataFrame?: boolean },
  ): Duplex & pg.Submittable;
}

export interface CreatedSlot {
  /** The position from which the slot streams: every change committed after it. */
  consistentPoint: bigint;
  /** Set with `exportSnapshot`: usable by SET TRANSACTION SNAPSHOT until this connection's next command. */
  snapshotName: string | undefined;
}

/** PostgreSQL error codes the listener turns into errors naming the fix. */
export function translateReplicationError(error: unknown, slot: string): Error {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  if (code === '53400') return new NoFreeReplicationSlot(message, { cause: error });
  if (code === '53300' && /wal.?sender|standby/i.test(message)) return new NoFreeWalSender({ cause: error });
  if (code === '55006') {
    return new SlotInUse(
      `replication slot "${slot}" is in use by another connection (${message}): another cdc-listener with the same CDC_SLOT, or one that was just stopped`,
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

export class ReplicationConnection {
  private stream: (Duplex & pg.Submittable) | undefined;

  private constructor(
    private readonly client: pg.Client,
    private readonly slot: string,
  ) {}

  static async open(url: string, slot: string): Promise<ReplicationConnection> {
    const config: pg.ClientConfig & { replication: 'database' } = {
      connectionString: url,
      replication: 'database',
      options: SESSION_SETTINGS,
      application_name: 'flowline-cdc-listener',
      // A server that does not answer at all (a cut network) is retried, not waited for.
      connectionTimeoutMillis: 10_000,
    };
    const client = new pg.Client(config);
    try {
      await client.connect();
    } catch (error) {
      throw translateReplicationError(error, slot);
    }
    const connection = new ReplicationConnection(client, slot);
    // Errors after the connection was made surface through the stream (or the next command).
    client.on('error', () => undefined);
    return connection;
  }

  async createSlot(exportSnapshot: boolean): Promise<CreatedSlot> {
    try {
      const { rows } = await this.client.query<{ consistent_point: string; snapshot_name: string | null }>(
        `CREATE_REPLICATION_SLOT ${quoteIdentifier(this.slot)} LOGICAL pgoutput ${exportSnapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT'}`,
      );
      const row = rows[0];
      if (row === undefined) throw new Error('CREATE_REPLICATION_SLOT returned no row');
      return { consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name ?? undefined };
    } catch (error) {
      throw translateReplicationError(error, this.slot);
    }
  }

  /**
   * Starts streaming the slot from its confirmed position and resolves once the server
   * answered with CopyBoth. The caller must be reading the returned stream: the answer is
   * only seen while it is read.
   */
  startReplication(publication: string): { stream: Duplex; started: Promise<void> } {
    const stream = both(
      `START_REPLICATION SLOT ${quoteIdentifier(this.slot)} LOGICAL 0/0 (proto_version '1', publication_names ${quoteLiteral(quoteIdentifier(publication))})`,
      // One chunk per CopyData message: aligned on frames, and in object mode so that a read
      // never joins several buffered messages into one buffer.
      { alignOnCopyDataFrame: true, readableObjectMode: true },
    );
    this.stream = stream;
    this.client.query(stream);
    const started = new Promise<void>((resolve, reject) => {
      const failed = (error: unknown): void => reject(translateReplicationError(error, this.slot));
      stream.once('error', failed);
      // Writes are held until the server's CopyBothResponse: the callback says streaming began.
      // 0/0 as the position changes nothing (the server keeps the slot's confirmed position).
      stream.write(standbyStatusUpdate(0n), (error) => {
        stream.off('error', failed);
        if (error === null || error === undefined) resolve();
        else failed(error);
      });
    });
    return { stream, started };
  }

  /** Reports `confirmed` as flushed: the server may forget everything before it. */
  sendStatus(confirmed: bigint): void {
    if (this.stream === undefined || this.stream.destroyed || this.stream.writableEnded) return;
    this.stream.write(standbyStatusUpdate(confirmed));
  }

  /** Closes the connection (a Terminate message ends the WAL sender; a status sent before it is processed first). */
  async close(): Promise<void> {
    this.stream?.removeAllListeners('data');
    await this.client.end().catch(() => undefined);
  }
}
