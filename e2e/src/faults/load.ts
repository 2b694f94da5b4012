/**
 * Steady load on every flow at once, as clients that behave well under failure send it:
 * - inbound mail with a PDF invoice, signed (Standard Webhooks); an answer other than 202 or a
 *   broken connection is retried with the same delivery id (so a retry that the gateway had in
 *   fact accepted keeps its event id). Accepted = answered 202.
 * - files dropped into the watched folder (written aside, renamed in); each one's bytes differ, as
 *   the watcher publishes a content only once. Accepted = renamed in.
 * - row changes in the watched table, each in its own transaction: inserts, updates (a version
 *   column counts them) and deletes. Accepted = committed; a commit whose answer was lost (the
 *   server went away) is decided by reading the row back.
 * - document changes in the watched MongoDB collection: inserts and updates of a version field
 *   (no deletes: changeDocuments says why). Accepted = acknowledged by the server.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection } from 'mongodb';
import MailComposer from 'nodemailer/lib/mail-composer';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { REPO_ROOT } from '../service-process';
import type { AcceptedInput } from './ledger';

const FIXTURES = join(REPO_ROOT, 'apps/invoice-agent/fixtures');

export interface LoadRates {
  /** Inputs per second of each flow. */
  mailPerSecond: number;
  filePerSecond: number;
  cdcPerSecond: number;
  mongoPerSecond: number;
}

export interface LoadTargets {
  gatewayUrl: () => string;
  mailSecret: string;
  inbox: string;
  databaseUrl: string;
  table: string;
  /** The watched collection; its documents carry `id` (also their `_id`) and `version`. */
  collection: Collection<MongoRow>;
}

export interface MongoRow {
  _id: string;
  id: string;
  version: number;
  customer: string;
}

type Change = { op: 'insert' | 'update' | 'delete'; key: string; version: number; index: number };

/** The next change to a set of live keys: inserts while it is small, then mostly updates, some deletes. */
class ChangePlan {
  private readonly live: { key: string; version: number }[] = [];
  private keys = 0;

  constructor(
    private readonly prefix: string,
    private readonly deletes = true,
  ) {}

  next(): Change {
    const roll = Math.random();
    if (this.live.length < 5 || roll < 0.5)
      return { op: 'insert', key: `${this.prefix}${++this.keys}`, version: 1, index: -1 };
    const index = Math.floor(Math.random() * this.live.length);
    const row = this.live[index] as { key: string; version: number };
    return roll < 0.9 || !this.deletes
      ? { op: 'update', key: row.key, version: row.version + 1, index }
      : { op: 'delete', key: row.key, version: row.version, index };
  }

  done(change: Change): void {
    if (change.op === 'insert') this.live.push({ key: change.key, version: 1 });
    else if (change.op === 'update') this.live[change.index] = { key: change.key, version: change.version };
    else this.live.splice(change.index, 1);
  }
}

/** Runs one loop per flow until stop(); `accepted` grows as inputs are accepted. */
export class SteadyLoad {
  readonly accepted: AcceptedInput[] = [];
  /** Attempts the platform refused or could not take (retried), per flow. */
  readonly refusals = { mail: 0, file: 0, cdc: 0, mongo: 0 };
  /** Answers no well-behaved platform gives (a valid signed mail refused with a 4xx). */
  readonly problems: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly invoicePdf = readFileSync(join(FIXTURES, 'de-consulting.pdf'));
  private readonly filePdf = readFileSync(join(FIXTURES, 'us-services.pdf'));
  private sequence = 0;

  constructor(
    private readonly targets: LoadTargets,
    private readonly rates: LoadRates,
  ) {}

  start(): void {
    this.loops.push(
      this.every(this.rates.mailPerSecond, () =>
        this.track(this.sendMail().catch((error: unknown) => void this.problems.push(String(error)))),
      ),
      this.every(this.rates.filePerSecond, () => {
        try {
          this.dropFile();
        } catch (error) {
          this.problems.push(`dropping a file: ${String(error)}`);
        }
      }),
      this.changeRows(),
      this.changeDocuments(),
    );
  }

  /** Stops sending new inputs and waits for those in flight to be accepted (or given up). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all([...this.pending]);
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async every(perSecond: number, act: () => void | Promise<void>): Promise<void> {
    if (perSecond <= 0) return;
    const interval = 1000 / perSecond;
    let next = Date.now();
    while (this.running) {
      await act();
      next += interval;
      await sleep(Math.max(0, next - Date.now()));
    }
  }

  private async sendMail(): Promise<void> {
    const n = ++this.sequence;
    const deliveryId = `msg_faults_${n}_${randomBytes(4).toString('hex')}`;
    const mime = await new MailComposer({
      from: 'Accounts <billing@consulting.example>',
      to: 'ap@flowline.example',
      subject: `Invoice, delivery ${n}`,
      text: 'Dear team,\n\nplease find our invoice attached.\n\nKind regards',
      attachments: [{ filename: 'invoice.pdf', content: this.invoicePdf }],
    })
      .compile()
      .build();
    // A sender retries for a while, then gives up; what it gave up on was never accepted.
    const giveUpAt = Date.now() + 120_000;
    while (Date.now() < giveUpAt) {
      const timestamp = new Date();
      const signature = new Webhook(this.targets.mailSecret).sign(deliveryId, timestamp, mime.toString('latin1'));
      try {
        const response = await fetch(`${this.targets.gatewayUrl()}/webhooks/mail`, {
          method: 'POST',
          headers: {
            'content-type': 'message/rfc822',
            'webhook-id': deliveryId,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': signature,
          },
          body: mime,
          signal: AbortSignal.timeout(15_000),
        });
        if (response.status === 202) {
          const { id } = (await response.json()) as { id: string };
          this.accepted.push({ flow: 'mail', eventId: id, at: Date.now() });
          return;
        }
        await response.body?.cancel();
        if (response.status < 500 && response.status !== 429) {
          throw new Error(
            `the gateway answered ${response.status} to a valid signed mail (${deliveryId}, ${new Date().toISOString()})`,
          );
        }
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('the gateway answered')) throw error;
      }
      this.refusals.mail++;
      await sleep(500);
    }
  }

  private dropFile(): void {
    const name = `invoice-${++this.sequence}-${randomBytes(4).toString('hex')}.pdf`;
    // A PDF comment after %%EOF: readers ignore it, the content hash differs.
    const bytes = Buffer.concat([this.filePdf, Buffer.from(`\n% ${name}\n`, 'latin1')]);
    const aside = join(this.targets.inbox, `.${name}.part`);
    writeFileSync(aside, bytes);
    renameSync(aside, join(this.targets.inbox, name));
    this.accepted.push({ flow: 'file', name, at: Date.now() });
  }

  private async changeRows(): Promise<void> {
    const plan = new ChangePlan('k');
    let client: pg.Client | undefined;
    const connect = async (): Promise<pg.Client> => {
      const fresh = new pg.Client({ connectionString: this.targets.databaseUrl, connectionTimeoutMillis: 2000 });
      fresh.on('error', () => undefined);
      await fresh.connect();
      return fresh;
    };
    const interval = 1000 / this.rates.cdcPerSecond;
    let due = Date.now();
    let change = plan.next();
    // Set when a statement failed without an answer: it may have committed all the same.
    let uncertain = false;
    while (this.running) {
      try {
        client ??= await connect();
        if (!(uncertain && (await this.happened(client, change)))) await this.apply(client, change);
        uncertain = false;
      } catch {
        await client?.end().catch(() => undefined);
        client = undefined;
        uncertain = true;
        this.refusals.cdc++;
        await sleep(500);
        continue;
      }
      this.accepted.push({ flow: 'cdc', key: change.key, op: change.op, version: change.version, at: Date.now() });
      plan.done(change);
      change = plan.next();
      due += interval;
      await sleep(Math.max(0, due - Date.now()));
    }
    await client?.end().catch(() => undefined);
  }

  /**
   * The MongoDB collection's changes (the shared server, which no fault stops): each write
   * acknowledged. Inserts and updates, no deletes: the stand-in (mongo-java-server) gives an
   * update's documentKey without the _id, which the listener then takes from the looked-up
   * document, so an update read after its document was deleted has no key at all (a real
   * MongoDB's documentKey always has it) and would fail the ledger for the stand-in's sake.
   */
  private async changeDocuments(): Promise<void> {
    if (this.rates.mongoPerSecond <= 0) return;
    const plan = new ChangePlan('d', false);
    const { collection } = this.targets;
    const interval = 1000 / this.rates.mongoPerSecond;
    let due = Date.now();
    while (this.running) {
      const change = plan.next();
      try {
        // The plan makes no deletes here (see above).
        if (change.op === 'insert') {
          await collection.insertOne({ _id: change.key, id: change.key, version: 1, customer: 'Acme' });
        } else {
          await collection.updateOne({ _id: change.key }, { $set: { version: change.version } });
        }
      } catch (error) {
        this.problems.push(`the MongoDB ${change.op} of ${change.key} failed: ${String(error)}`);
        this.refusals.mongo++;
        return;
      }
      this.accepted.push({ flow: 'mongo', key: change.key, op: change.op, version: change.version, at: Date.now() });
      plan.done(change);
      due += interval;
      await sleep(Math.max(0, due - Date.now()));
    }
  }

  private async apply(client: pg.Client, change: { op: string; key: string; version: number }): Promise<void> {
    const { table } = this.targets;
    if (change.op === 'insert') {
      await client.query(`INSERT INTO ${table} (id, version, customer, total) VALUES ($1, 1, 'Acme', 10.00)`, [
        change.key,
      ]);
    } else if (change.op === 'update') {
      await client.query(`UPDATE ${table} SET version = $2, total = total + 1 WHERE id = $1`, [
        change.key,
        change.version,
      ]);
    } else {
      await client.query(`DELETE FROM ${table} WHERE id = $1`, [change.key]);
    }
  }

  private async happened(client: pg.Client, change: { op: string; key: string; version: number }): Promise<boolean> {
    const row = await client.query<{ version: number }>(`SELECT version FROM ${this.targets.table} WHERE id = $1`, [
      change.key,
    ]);
    const version = row.rows[0]?.version;
    return change.op === 'delete' ? version === undefined : version === change.version;
  }
}
