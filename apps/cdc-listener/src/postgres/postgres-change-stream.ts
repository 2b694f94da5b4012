/**
 * Streams a PostgreSQL publication (pgoutput) from a logical replication slot to Kafka.
 *
 * Delivery guarantee: a position is confirmed to PostgreSQL only after Kafka acknowledged
 * every event before it (commit-tracker.ts), and it is recorded in the position table before
 * it is sent (slot-decision.ts says why). The slot resends everything after the confirmed
 * position, so a listener that crashes — SIGKILL mid-transaction included — and restarts
 * loses nothing; what it re-reads is published again with the same event ids.
 *
 * A lost replication connection (PostgreSQL restarted, the WAL sender terminated, the network
 * cut) is that restart in process, and so is a server that is shutting down (its WAL sender
 * would otherwise wait for this connection to confirm the end of WAL, and hold the shutdown): the stream starts again from the slot's confirmed
 * position, retried 0.5–5 s apart while PostgreSQL is unavailable; only an error a retry
 * cannot mend (the slot gone, a table dropped, …) ends the component.
 *
 * WAL safety: keepalives that ask for an answer get one at once, and a status update goes
 * out at least every STATUS_INTERVAL_MS whatever the stream is doing; a heartbeat row is
 * written to a table in the publication so the position moves on a quiet or filtered
 * database; the WAL the slot retains is measured (flowline_cdc_slot_retained_wal_bytes) and
 * logged as an error past CDC_WAL_RETAINED_WARN_BYTES.
 */
import type { Duplex } from 'node:stream';
import pg from 'pg';
import { isDependencyUnavailable, isPostgresShuttingDown } from '@flowline/errors';
import { createPostgresPool } from '@flowline/service-runtime';
import { FlowlineEvent } from '@flowline/event-schemas';
import { retryDelayMs, type EventPublisher, type RetryPolicy } from '@flowline/messaging';
import type { Logger, ServiceMetrics } from '@flowline/telemetry';
import type { Component } from '@flowline/service-runtime';
import { ReplicationStreamLost, SlotInUse } from '../errors';
import { ColumnTypes, JsonValue, SESSION_SETTINGS } from './column-value';
import { CommitTracker } from './commit-tracker';
import { formatLsn } from './lsn';
import { decodePgoutput, RelationMessage } from './pgoutput-decoder';
import {
  checkFreeSlot,
  checkServer,
  checkTables,
  dropSlot,
  ensurePublication,
  ensureStateTables,
  inspectSlot,
  lookupTypes,
  primaryKeyColumns,
  quoteLiteral,
  quoteTable,
  readPosition,
  recordPosition,
  retainedWalBytes,
  TableName,
  tableText,
  writeHeartbeat,
} from './postgres-setup';
import { CreatedSlot, ReplicationConnection } from './replication-connection';
import { parseReplicationFrame } from './replication-protocol';
import {
  ChangePosition,
  rowChangeEvent,
  snapshotRowEvent,
  SourceDatabase,
  StreamedTable,
  TransactionContext,
  truncateEvent,
} from './row-change';
import { decideSlot } from './slot-decision';

export interface PostgresChangeStreamOptions {
  url: string;
  tables: readonly TableName[];
  slot: string;
  publication: string;
  managePublication: boolean;
  /** Undefined: no heartbeat. */
  heartbeat: { table: TableName; intervalMs: number } | undefined;
  positionTable: TableName;
  confirmIntervalMs: number;
  walCheckIntervalMs: number;
  walRetainedWarnBytes: number;
  allowNewSlot: boolean;
  snapshot: boolean;
  maxInFlight: number;
  /** How long a stop waits for Kafka to acknowledge what was published. */
  drainTimeoutMs: number;
  topic: string;
  publisher: EventPublisher;
  logger: Logger;
  metrics: ServiceMetrics;
}

/** A status update goes out at least this often, well inside PostgreSQL's default wal_sender_timeout (60 s). */
const STATUS_INTERVAL_MS = 10_000;
/** How long a start waits for a slot another connection still holds (a listener that was just stopped). */
const SLOT_IN_USE_WAIT_MS = 30_000;
/** Backoff between two tries to stream again after the replication connection was lost (no jitter: one listener per slot). */
const RESTREAM_BACKOFF: RetryPolicy = {
  maxAttempts: Number.POSITIVE_INFINITY,
  initialDelayMs: 500,
  maxDelayMs: 5_000,
  multiplier: 2,
};
const restreamDelayMs = (attempt: number): number => retryDelayMs(attempt, RESTREAM_BACKOFF, () => 1);
/**
 * A stream that confirmed something, or ran this long, made progress: its loss starts the
 * backoff over. Losses in a row without progress wait longer and longer before the next try,
 * and after MAX_LOSSES_WITHOUT_PROGRESS the component fails (something no reconnect mends).
 */
const RESTREAM_PROGRESS_MS = 60_000;
const MAX_LOSSES_WITHOUT_PROGRESS = 10;
/** Connections and queries of the listener's own pool (not the replication stream's reads). */
const DATABASE_TIMEOUT_MS = 30_000;
const SNAPSHOT_FETCH_ROWS = 1_000;

type RelationRole = 'data' | 'heartbeat' | 'other';

interface OpenTransaction {
  context: TransactionContext;
  rows: number;
}

const STOP = Symbol('stop');

export class PostgresChangeStream implements Component {
  readonly name = 'postgres-cdc';
  readonly failed: Promise<Error>;
  private reportFailure!: (error: Error) => void;
  private failure: Error | undefined;

  private readonly pool: pg.Pool;
  private readonly types = new ColumnTypes();
  private readonly relations = new Map<number, { table: StreamedTable; role: RelationRole }>();
  private readonly configured: ReadonlySet<string>;
  private database: SourceDatabase | undefined;
  private connection: ReplicationConnection | undefined;
  private tracker: CommitTracker | undefined;
  private transaction: OpenTransaction | undefined;
  private lastChange: ChangePosition | undefined;

  /** The position last written to the position table: what status updates report. */
  private recorded = 0n;
  private lastStatusAt = 0;
  private lastStatusSent = -1n;
  private streaming = false;
  private stopping = false;
  private stopSignal!: () => void;
  private readonly stopped: Promise<typeof STOP>;
  private reading: Promise<void> | undefined;
  /** Set while the stream is being started again after its connection was lost. */
  private restreaming: Promise<void> | undefined;
  /** Ends the current stream's reading loop at its next wait (a restream replaces it). */
  private haltStream: () => void = () => undefined;
  private halted: Promise<typeof STOP> = new Promise(() => undefined);
  private lossesWithoutProgress = 0;
  private streamingSince = 0;
  private recordedAtStreamStart = 0n;
  private lastIdleAdvanceAt = 0;
  private readonly timers: (() => Promise<void>)[] = [];
  /** Confirms run one after the other: two overlapping ones could record an older position last. */
  private confirming: Promise<void> = Promise.resolve();
  private roomWaiter: (() => void) | undefined;
  private drainWaiter: (() => void) | undefined;

  constructor(private readonly options: PostgresChangeStreamOptions) {
    this.failed = new Promise((resolve) => (this.reportFailure = resolve));
    this.stopped = new Promise((resolve) => (this.stopSignal = () => resolve(STOP)));
    this.configured = new Set(options.tables.map(tableText));
    this.pool = createPostgresPool(
      {
        connectionString: options.url,
        max: 3,
        options: SESSION_SETTINGS,
        application_name: 'flowline-cdc-listener',
        timeoutMs: DATABASE_TIMEOUT_MS,
      },
      options.logger,
      'PostgreSQL',
    );
    // An idle connection of ours terminated: most often the server shutting down, which waits for
    // the replication connection to go (createPostgresPool logs the error itself).
    this.pool.on('error', (error) => this.lostIfShuttingDown(error));
  }

  /** Ready while the slot is streaming. */
  readiness(): { name: string; check: () => Promise<void> } {
    return {
      name: 'postgres-replication',
      check: () => (this.streaming ? Promise.resolve() : Promise.reject(new Error('not streaming the slot'))),
    };
  }

  async start(): Promise<void> {
    try {
      await this.prepareAndStream();
    } catch (error) {
      this.stopping = true;
      await this.connection?.close();
      await this.pool.end().catch(() => undefined);
      throw error;
    }
  }

  private async prepareAndStream(): Promise<void> {
    const { options, pool } = this;
    const { logger } = options;
    const server = await checkServer(pool);
    this.database = { name: server.database, types: this.types };
    await checkTables(pool, options.tables);
    await ensureStateTables(pool, options.heartbeat?.table, options.positionTable);
    const published = options.heartbeat === undefined ? options.tables : [...options.tables, options.heartbeat.table];
    const publication = await ensurePublication(pool, options.publication, published, options.managePublication);
    if (publication !== 'unchanged') logger.info({ publication: options.publication }, `publication ${publication}`);

    const slot = await inspectSlot(pool, options.slot, server.database);
    const record = await readPosition(pool, options.positionTable, options.slot);
    const decision = decideSlot(options.slot, slot, record, options.allowNewSlot);
    if (decision.gap !== undefined) {
      logger.error(
        { slot: options.slot, gap: decision.gap },
        'POSSIBLE GAP accepted because CDC_ALLOW_NEW_SLOT=true: changes may be missing; unset CDC_ALLOW_NEW_SLOT once recovered',
      );
    }
    let start: bigint;
    if (decision.action === 'resume' && slot !== undefined) {
      start = slot.confirmedFlushLsn;
      // The recorded position may be ahead of the slot's (confirmed, then PostgreSQL crashed
      // before saving it): Kafka acknowledged up to it, so it is reported again; the changes in
      // between are streamed again and published with the same ids. After an accepted gap the
      // slot's own position becomes the record.
      const recorded = record?.confirmedLsn ?? null;
      this.recorded = recorded !== null && recorded > start ? recorded : start;
      if (recorded === null || decision.gap !== undefined) await this.record(this.recorded);
      logger.info({ slot: options.slot, confirmedLsn: formatLsn(start) }, 'resuming the replication slot');
      this.connection = await this.startStreaming(start, true);
    } else {
      if (decision.action === 'recreate') {
        logger.warn(
          { slot: options.slot, reason: decision.reason },
          'dropping the replication slot to create it again',
        );
        if (slot !== undefined) await dropSlot(pool, options.slot);
      }
      await checkFreeSlot(pool);
      // Recorded before the slot exists: a crash after its creation is then recognised (no
      // position yet: nothing streamed, so no gap; a snapshot pending: do it again).
      await recordPosition(pool, options.positionTable, options.slot, {
        confirmedLsn: null,
        snapshotPending: options.snapshot,
      });
      const connection = await ReplicationConnection.open(options.url, options.slot);
      this.connection = connection;
      const created = await connection.createSlot(options.snapshot);
      start = created.consistentPoint;
      logger.info({ slot: options.slot, consistentPoint: formatLsn(start) }, 'replication slot created');
      if (options.snapshot) await this.publishSnapshot(created);
      this.recorded = start;
      await this.record(start);
      this.connection = await this.startStreaming(start, false, connection);
    }
    // Stopped while starting: stop() closes the connection, and nothing periodic may begin.
    if (this.stopping) return;
    this.streaming = true;
    this.streamingSince = Date.now();
    this.recordedAtStreamStart = this.recorded;
    logger.info(
      { slot: options.slot, publication: options.publication, tables: options.tables.map(tableText) },
      'streaming changes',
    );
    this.repeat(options.confirmIntervalMs, () => this.confirm());
    this.repeat(options.walCheckIntervalMs, () => this.measureRetainedWal(), true);
    const heartbeat = options.heartbeat;
    if (heartbeat !== undefined) {
      this.repeat(heartbeat.intervalMs, () => writeHeartbeat(pool, heartbeat.table, options.slot), true);
    }
  }

  /**
   * Starts the replication stream and its reading loop; resolves once the server streams.
   * A slot still held by a connection that is going away (a listener just stopped or killed)
   * is waited for, up to SLOT_IN_USE_WAIT_MS.
   */
  private async startStreaming(
    start: bigint,
    waitForSlot: boolean,
    opened?: ReplicationConnection,
  ): Promise<ReplicationConnection> {
    const deadline = Date.now() + (waitForSlot ? SLOT_IN_USE_WAIT_MS : 0);
    let connection = opened ?? (await ReplicationConnection.open(this.options.url, this.options.slot));
    for (;;) {
      this.tracker = new CommitTracker(start);
      const { stream, started } = connection.startReplication(this.options.publication);
      let halt!: () => void;
      this.halted = new Promise((resolve) => (halt = () => resolve(STOP)));
      this.haltStream = halt;
      const reading = this.read(stream, this.halted);
      try {
        await started;
        this.reading = reading;
        return connection;
      } catch (error) {
        await connection.close();
        await reading;
        if (!(error instanceof SlotInUse) || Date.now() >= deadline || this.stopping) throw error;
        this.options.logger.info({ slot: this.options.slot }, 'slot still in use; waiting for it');
        await this.pause(1_000);
        if (this.stopping) throw error;
        connection = await ReplicationConnection.open(this.options.url, this.options.slot);
      }
    }
  }

  /**
   * The reading loop: one CopyData payload at a time, until stop, halt (a restream), failure or
   * the stream's end. A stream that ends or fails is lost (streamed again); a payload that
   * cannot be handled fails the component, unless what failed was a query PostgreSQL could not
   * answer then (streamed again too): reading the same payload again would fail the same way.
   */
  private async read(stream: Duplex, halted: Promise<typeof STOP>): Promise<void> {
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      let result: IteratorResult<Buffer> | typeof STOP;
      try {
        const next = chunks.next();
        // The pending read of a stop is abandoned: its chunk, if any, is streamed again after a restart.
        next.catch(() => undefined);
        result = await Promise.race([next, this.stopped, halted]);
      } catch (error) {
        // Before streaming began, the start reports the error itself.
        if (this.streaming && !this.stopping) {
          this.lost(
            new ReplicationStreamLost(`the replication stream failed: ${(error as Error).message}`, { cause: error }),
          );
        }
        return;
      }
      if (result === STOP) return;
      if (result.done === true) {
        if (this.streaming && !this.stopping) {
          this.lost(
            new ReplicationStreamLost('the replication stream ended (PostgreSQL shut down or ended the connection)'),
          );
        }
        return;
      }
      try {
        await this.handle(result.value);
      } catch (error) {
        if (this.stopping) return;
        const message = `the replication stream failed: ${(error as Error).message}`;
        if (isDependencyUnavailable(error)) this.lost(new ReplicationStreamLost(message, { cause: error }));
        else this.fail(new ReplicationStreamLost(message, { cause: error }));
        return;
      }
    }
  }

  private async handle(chunk: Buffer): Promise<void> {
    const frame = parseReplicationFrame(chunk);
    if (frame.kind === 'keepalive') {
      if (frame.replyRequested) {
        this.sendStatus(true);
        // Asked, and nothing of ours pending: the server's end of WAL can be confirmed too (once
        // recorded). A shutting-down server asks exactly this, and the record fails then. At most
        // once a status interval: each record is WAL too, and a short wal_sender_timeout asks often.
        if (
          Date.now() - this.lastIdleAdvanceAt >= STATUS_INTERVAL_MS &&
          this.tracker?.advanceIdle(frame.walEnd) === true
        ) {
          this.lastIdleAdvanceAt = Date.now();
          this.confirm().catch((error: unknown) => {
            this.options.logger.warn({ err: error }, 'could not confirm the position the server asked for');
            this.lostIfShuttingDown(error);
          });
        }
      }
      return;
    }
    const message = decodePgoutput(frame.data);
    const tracker = this.tracker as CommitTracker;
    switch (message.tag) {
      case 'begin':
        this.transaction = {
          context: { commitLsn: message.finalLsn, xid: message.xid, commitTime: message.commitTime },
          rows: 0,
        };
        this.lastChange = undefined;
        tracker.begin();
        return;
      case 'commit':
        tracker.commit(message.endLsn, (this.transaction?.rows ?? 0) > 0);
        this.transaction = undefined;
        return;
      case 'relation':
        await this.learnRelation(message);
        return;
      case 'insert':
      case 'update':
      case 'delete': {
        const transaction = this.openTransaction();
        transaction.rows += 1;
        const position = this.positionOf(frame.walStart);
        const known = this.relationOf(message.relationOid);
        if (known.role !== 'data') return;
        await this.publish(rowChangeEvent(message, known.table, this.source(), transaction.context, position));
        return;
      }
      case 'truncate': {
        const transaction = this.openTransaction();
        transaction.rows += 1;
        for (const oid of message.relationOids) {
          const known = this.relationOf(oid);
          if (known.role === 'data') {
            await this.publish(truncateEvent(known.table, this.source(), transaction.context, frame.walStart));
          }
        }
        return;
      }
      default:
        return;
    }
  }

  private openTransaction(): OpenTransaction {
    if (this.transaction === undefined) throw new Error('pgoutput: a change outside a transaction');
    return this.transaction;
  }

  private source(): SourceDatabase {
    return this.database as SourceDatabase;
  }

  private positionOf(changeLsn: bigint): ChangePosition {
    const ordinal = this.lastChange?.changeLsn === changeLsn ? this.lastChange.ordinal + 1 : 0;
    this.lastChange = { changeLsn, ordinal };
    return this.lastChange;
  }

  private relationOf(oid: number): { table: StreamedTable; role: RelationRole } {
    const known = this.relations.get(oid);
    // pgoutput sends a Relation message before the first change of each table on a connection.
    if (known === undefined) throw new Error(`pgoutput: a change of relation ${oid} before its Relation message`);
    return known;
  }

  /** Relation messages come before a table's first change and after each schema change. */
  private async learnRelation(message: RelationMessage): Promise<void> {
    const name = `${message.schema}.${message.table}`;
    const heartbeat = this.options.heartbeat;
    const role: RelationRole = this.configured.has(name)
      ? 'data'
      : heartbeat !== undefined && name === tableText(heartbeat.table)
        ? 'heartbeat'
        : 'other';
    let keyColumns: string[] = [];
    if (role === 'data') {
      await this.learnTypes(message.columns.map((column) => column.typeOid));
      // The primary key identifies a row across updates; with REPLICA IDENTITY FULL pgoutput
      // flags every column, which would make each update look like another row.
      keyColumns = await primaryKeyColumns(this.pool, message.relationOid);
      if (keyColumns.length === 0) {
        keyColumns = message.columns.filter((column) => column.isIdentity).map((column) => column.name);
      }
    }
    this.relations.set(message.relationOid, { table: { relation: message, keyColumns }, role });
  }

  private async learnTypes(oids: readonly number[]): Promise<void> {
    const unknown = this.types.unknown(oids);
    if (unknown.length > 0) this.types.describe(await lookupTypes(this.pool, unknown));
  }

  /**
   * Publishes without waiting for the acknowledgement (the publisher batches), counting it
   * against the open transaction; waits only while CDC_MAX_IN_FLIGHT events are unacknowledged.
   */
  private async publish(event: FlowlineEvent<'data.changed'>): Promise<void> {
    const tracker = this.tracker as CommitTracker;
    const acknowledged = tracker.published();
    this.options.publisher.publish(this.options.topic, event).then(
      () => {
        acknowledged();
        // An acknowledgement of a lost stream's event: its waiters went with that stream.
        if (tracker !== this.tracker) return;
        if (tracker.inFlight < this.options.maxInFlight) this.takeWaiter('room')?.();
        if (tracker.inFlight === 0) this.takeWaiter('drain')?.();
      },
      (error: unknown) =>
        this.fail(
          new ReplicationStreamLost(
            `Kafka did not take a change (${(error as Error).message}); nothing after it is confirmed`,
            {
              cause: error,
            },
          ),
        ),
    );
    if (tracker.inFlight >= this.options.maxInFlight) {
      await Promise.race([new Promise<void>((resolve) => (this.roomWaiter = resolve)), this.stopped, this.halted]);
    }
  }

  private takeWaiter(kind: 'room' | 'drain'): (() => void) | undefined {
    const waiter = kind === 'room' ? this.roomWaiter : this.drainWaiter;
    if (kind === 'room') this.roomWaiter = undefined;
    else this.drainWaiter = undefined;
    return waiter;
  }

  /** Records the acknowledged position, then reports it to PostgreSQL; after any confirm still running. */
  private confirm(): Promise<void> {
    const next = this.confirming.then(() => this.confirmNow());
    this.confirming = next.catch(() => undefined);
    return next;
  }

  private async confirmNow(): Promise<void> {
    const target = this.tracker?.confirmable ?? 0n;
    if (target > this.recorded) {
      await this.record(target);
      this.recorded = target;
    }
    this.sendStatus(false);
  }

  private async record(position: bigint): Promise<void> {
    await recordPosition(this.pool, this.options.positionTable, this.options.slot, {
      confirmedLsn: position,
      snapshotPending: false,
    });
  }

  private sendStatus(force: boolean): void {
    if (this.connection === undefined) return;
    const now = Date.now();
    if (!force && this.recorded === this.lastStatusSent && now - this.lastStatusAt < STATUS_INTERVAL_MS) return;
    this.connection.sendStatus(this.recorded);
    this.lastStatusSent = this.recorded;
    this.lastStatusAt = now;
  }

  private async measureRetainedWal(): Promise<void> {
    const { slot, walRetainedWarnBytes, logger, metrics } = this.options;
    const bytes = await retainedWalBytes(this.pool, slot);
    if (bytes === undefined) return;
    metrics.cdcSlotRetainedWalBytes.set({ slot }, bytes);
    if (bytes > walRetainedWarnBytes) {
      logger.error(
        {
          slot,
          retainedWalBytes: bytes,
          ceiling: walRetainedWarnBytes,
          confirmedLsn: formatLsn(this.recorded),
          unacknowledgedEvents: this.tracker?.inFlight ?? 0,
        },
        'replication slot retains more WAL than CDC_WAL_RETAINED_WARN_BYTES: PostgreSQL cannot free it and its disk fills up. Is Kafka acknowledging (unacknowledgedEvents)? Is the listener keeping up?',
      );
    }
  }

  /** Runs `task` every `intervalMs` (never two at once); failures are logged and retried next time. */
  private repeat(intervalMs: number, task: () => Promise<void>, runNow = false): void {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let stopped = false;
    const run = (): void => {
      running = task()
        .catch((error: unknown) => {
          this.options.logger.warn({ err: error }, 'periodic CDC task failed');
          this.lostIfShuttingDown(error);
        })
        .finally(() => {
          running = undefined;
          if (!stopped) timer = setTimeout(run, intervalMs);
        });
    };
    if (runNow) run();
    else timer = setTimeout(run, intervalMs);
    this.timers.push(async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    });
  }

  private async publishSnapshot(created: CreatedSlot): Promise<void> {
    const { logger, tables, publisher, topic } = this.options;
    if (created.snapshotName === undefined) throw new Error('the slot was created without an exported snapshot');
    const client = await this.pool.connect();
    const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;
    const snapshotTime = new Date();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(created.snapshotName)}`);
      for (const name of tables) {
        const oid = (await client.query<{ oid: number }>('SELECT $1::regclass::oid::int AS oid', [quoteTable(name)]))
          .rows[0]?.oid;
        if (oid === undefined) throw new Error(`table ${tableText(name)} not found`);
        const table: StreamedTable = {
          relation: {
            tag: 'relation',
            relationOid: oid,
            schema: name.schema,
            table: name.table,
            replicaIdentity: 'default',
            columns: [],
          },
          keyColumns: await primaryKeyColumns(client, oid),
        };
        await client.query(`DECLARE flowline_snapshot NO SCROLL CURSOR FOR SELECT * FROM ${quoteTable(name)}`);
        let count = 0;
        for (;;) {
          const result = await client.query<unknown[]>({
            text: `FETCH ${SNAPSHOT_FETCH_ROWS} FROM flowline_snapshot`,
            rowMode: 'array',
            types: rawText,
          });
          if (result.rows.length === 0) break;
          await this.learnTypes(result.fields.map((field) => field.dataTypeID));
          const events = result.rows.map((row) => {
            const values: Record<string, JsonValue> = {};
            result.fields.forEach((field, index) => {
              const text = row[index];
              values[field.name] = typeof text === 'string' ? this.types.decode(field.dataTypeID, text) : null;
            });
            return snapshotRowEvent(table, this.source(), values, created.consistentPoint, snapshotTime);
          });
          await Promise.all(events.map((event) => publisher.publish(topic, event)));
          count += events.length;
        }
        await client.query('CLOSE flowline_snapshot');
        logger.info({ table: tableText(name), rows: count }, 'snapshot of the table published');
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * The replication connection is gone: stream again, in process, as a restart would — from
   * the slot's confirmed position, so what was read after it is read again and published with
   * the same ids. Not ready meanwhile.
   */
  private lost(cause: Error): void {
    if (!this.streaming || this.restreaming !== undefined || this.stopping || this.failure !== undefined) return;
    this.streaming = false;
    const progressed =
      this.recorded > this.recordedAtStreamStart || Date.now() - this.streamingSince >= RESTREAM_PROGRESS_MS;
    this.lossesWithoutProgress = progressed ? 0 : this.lossesWithoutProgress + 1;
    if (this.lossesWithoutProgress >= MAX_LOSSES_WITHOUT_PROGRESS) {
      this.fail(
        new ReplicationStreamLost(
          `the replication stream was lost ${MAX_LOSSES_WITHOUT_PROGRESS} times in a row without confirming anything; last: ${cause.message}`,
          { cause },
        ),
      );
      return;
    }
    this.options.logger.warn(
      { err: cause, slot: this.options.slot },
      'the replication stream was lost; streaming again from the confirmed position',
    );
    this.restreaming = this.streamAgain().finally(() => (this.restreaming = undefined));
  }

  /** A query of ours says the server is going down: leave before it waits for us. */
  private lostIfShuttingDown(error: unknown): void {
    if (!isPostgresShuttingDown(error)) return;
    this.lost(new ReplicationStreamLost('PostgreSQL is shutting down or ended a connection of ours', { cause: error }));
  }

  private async streamAgain(): Promise<void> {
    const { logger, slot } = this.options;
    // The lost stream's loop ends at its next wait and is waited for, so that nothing of it
    // (a publish, a relation it learns) overlaps the next stream; a confirm under way finishes
    // before the next stream reads the recorded position.
    this.haltStream();
    await this.dropStream();
    await this.reading;
    await this.confirming;
    this.roomWaiter = undefined;
    this.transaction = undefined;
    this.lastChange = undefined;
    // A first loss after progress is streamed again at once; losses in a row wait longer.
    if (this.lossesWithoutProgress > 0) await this.pause(restreamDelayMs(this.lossesWithoutProgress));
    for (let tries = 1; !this.stopping && this.failure === undefined; tries += 1) {
      try {
        await this.prepareAndStream();
        logger.info({ slot }, 'streaming again after the replication connection was lost');
        return;
      } catch (error) {
        await this.dropStream();
        this.streaming = false;
        if (this.stopping) return;
        if (!isDependencyUnavailable(error) && !(error instanceof SlotInUse)) {
          this.fail(
            new ReplicationStreamLost(
              `the replication stream was lost and could not be started again: ${(error as Error).message}`,
              { cause: error },
            ),
          );
          return;
        }
        const delayMs = restreamDelayMs(tries);
        logger.warn(
          { err: error, slot, retryInMs: delayMs },
          'PostgreSQL is unavailable; streaming again when it is back',
        );
        await this.pause(delayMs);
      }
    }
  }

  /** Waits `ms`, or less when the component stops. */
  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), this.stopped]);
    clearTimeout(timer);
  }

  private async stopTimers(): Promise<void> {
    for (const stopTimer of this.timers.splice(0)) await stopTimer();
  }

  /** Ends what a started (or half started) stream runs: its periodic tasks and its connection. */
  private async dropStream(): Promise<void> {
    await this.stopTimers();
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.streaming = false;
    this.options.logger.error({ err: error }, 'PostgreSQL change stream failed');
    this.reportFailure(error);
  }

  /**
   * Stops reading, waits (up to drainTimeoutMs) for Kafka to acknowledge what was published,
   * records and confirms that position, and closes the connections. A transaction half read
   * is not confirmed: it is streamed again after the restart.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.streaming = false;
    this.stopSignal();
    await this.restreaming;
    await this.reading;
    this.tracker?.abandonOpen();
    await this.stopTimers();
    const tracker = this.tracker;
    if (tracker !== undefined && tracker.inFlight > 0 && this.failure === undefined) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.drainWaiter = resolve)),
        new Promise<void>((resolve) => (timeout = setTimeout(resolve, this.options.drainTimeoutMs))),
        this.failed,
      ]);
      clearTimeout(timeout);
    }
    try {
      await this.confirm();
      this.sendStatus(true);
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'could not record the last position; the changes after the previous one are streamed again',
      );
    }
    await this.connection?.close();
    await this.pool.end().catch(() => undefined);
  }
}
