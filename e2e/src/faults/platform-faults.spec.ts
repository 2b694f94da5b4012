/**
 * The platform under faults: steady load on every flow while services are SIGKILLed and the
 * servers restarted one at a time, then an exact ledger from the outputs (fault-profile.ts for
 * the short and long runs, ledger.ts for the rules). Nothing accepted may be lost, nothing may
 * take effect twice under two ids, and the CDC read model must end equal to its table.
 *
 * MongoDB change streams are not loaded: the cdc-listener watches no collection by default
 * (CDC_MONGO_COLLECTIONS is empty), and the MongoDB stand-in is shared with other test files, so
 * it is neither restarted nor watched here.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { DLQ_HEADERS } from '@flowline/event-schemas';
import { testInfra, uniqueTopicPrefix, waitFor } from '@flowline/testing';
import { runFlowline } from '../flowline-command';
import { FaultInfra, ServiceCrash, ServiceInstance, startFaultInfra, startServices } from './fault-platform';
import { faultProfile, FaultStep, SERVICE_INSTANCES } from './fault-profile';
import {
  ChangeFlow,
  computeLedger,
  FLOWS,
  InjectedFault,
  Ledger,
  LedgerInputs,
  recoveryMs,
  recoverySettled,
  recoveryPerFlow,
  recoveryWindow,
  RowVersion,
  StoredDataChange,
  StoredFileUpload,
} from './ledger';
import { MongoRow, SteadyLoad } from './load';
import { ResultsQueue, WebhookReceiver } from './observers';

const profile = faultProfile();
/** The longest the suite waits for one fault's recovery before it injects the next. */
const SETTLE_LIMIT_MS = 120_000;
// Start-up, load, a recovery per step at worst, drain and shutdown, with room for a slow machine.
jest.setTimeout(profile.loadMs + profile.steps.length * SETTLE_LIMIT_MS + profile.drainMs + 240_000);

describe(`the platform under faults (${profile.name} profile)`, () => {
  const { MONGODB_URL } = testInfra();
  const prefix = uniqueTopicPrefix('faults');
  const mailSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const exchange = `${prefix}notifications`;
  const table = `orders_${randomBytes(4).toString('hex')}`;
  const slot = `faults_${randomBytes(4).toString('hex')}`;
  const readModelDatabase = `faults_${randomBytes(4).toString('hex')}`;
  // The watched MongoDB collection, on the shared server, and where the listener keeps its resume tokens.
  const sourceDatabase = `faults_src_${randomBytes(4).toString('hex')}`;
  const sourceCollection = 'orders';
  const cdcStateDatabase = `${sourceDatabase}_cdc`;
  let mongo: MongoClient | undefined;
  const crashes: ServiceCrash[] = [];
  const faults: InjectedFault[] = [];
  /** What the report should say besides the figures (e.g. a server that did not stop cleanly). */
  const notes: string[] = [];
  let load: SteadyLoad | undefined;
  let infra: FaultInfra | undefined;
  let services = new Map<string, ServiceInstance>();
  let results: ResultsQueue | undefined;
  const receiver = new WebhookReceiver();
  let claimDir = '';
  let inbox = '';

  beforeAll(async () => {
    claimDir = mkdtempSync(join(tmpdir(), 'flowline-faults-claims-'));
    inbox = mkdtempSync(join(tmpdir(), 'flowline-faults-inbox-'));
    infra = await startFaultInfra();
    await withDatabase(infra.databaseUrl, (client) =>
      client.query(
        `CREATE TABLE ${table} (id text PRIMARY KEY, version int NOT NULL, customer text, total numeric(12,2))`,
      ),
    );
    mongo = await MongoClient.connect(MONGODB_URL);
    await mongo.db(sourceDatabase).createCollection(sourceCollection);
    await receiver.start();
    results = new ResultsQueue(infra.rabbit.url, exchange, `${prefix}results`, ['invoice.processed', 'sync.completed']);
    await results.start();

    const env: Record<string, string> = {
      KAFKA_BROKERS: infra.kafka.brokers,
      DATABASE_URL: infra.databaseUrl,
      AMQP_URL: infra.rabbit.url,
      FLOWLINE_TOPIC_PREFIX: prefix,
      CLAIM_CHECK_DIR: claimDir,
      NOTIFY_EXCHANGE: exchange,
      LOG_LEVEL: process.env['FLOWLINE_FAULTS_LOG_LEVEL'] ?? 'warn',
    };
    const own: Record<string, Record<string, string>> = {
      'webhook-gateway': {
        WEBHOOK_SOURCE_NAME: 'mail',
        WEBHOOK_KIND: 'email',
        WEBHOOK_SCHEME: 'standard-webhooks',
        WEBHOOK_SECRET: mailSecret,
      },
      'file-watcher': { FILE_WATCH_DIR: inbox, FILE_WATCH_STABILITY_MS: '300' },
      'cdc-listener': {
        CDC_TABLES: `public.${table}`,
        CDC_SLOT: slot,
        CDC_PUBLICATION: slot,
        CDC_HEARTBEAT_INTERVAL_MS: '1000',
        MONGODB_URL,
        CDC_MONGO_COLLECTIONS: `${sourceDatabase}.${sourceCollection}`,
        CDC_MONGO_STATE_DATABASE: cdcStateDatabase,
      },
      'sync-agent': { MONGODB_URL, SYNC_MONGODB_DATABASE: readModelDatabase },
      // Retries that outlast the receiver's failure window, seconds apart instead of hours.
      notifier: {
        NOTIFY_WEBHOOK_RETRY_SCHEDULE: '0,1s,2s,4s,8s,15s,30s,60s',
        NOTIFY_WEBHOOK_ALLOWED_NETWORKS: 'loopback',
      },
    };
    services = await startServices(
      SERVICE_INSTANCES.map((name) => {
        const app = name.replace(/#\d+$/, '');
        return { name, app, env: { ...env, ...own[app] } };
      }),
      (crash) => crashes.push(crash),
    );
    const added = await runFlowline(
      ['subscriptions', 'add', receiver.url, '--type', 'invoice.processed', '--json'],
      env,
    );
    if (added.code !== 0) throw new Error(`flowline subscriptions add failed: ${added.stderr}`);
    progress('infrastructure and services started');
  });

  afterAll(async () => {
    await load?.stop();
    await Promise.allSettled([...services.values()].map((service) => service.stop()));
    // Every instance's log (restarts included), for reading a slow recovery's timeline afterwards.
    const logDir = process.env['FLOWLINE_FAULTS_LOG_DIR'];
    if (logDir !== undefined && logDir !== '') {
      mkdirSync(logDir, { recursive: true });
      for (const [name, service] of services)
        writeFileSync(join(logDir, `${name.replace('#', '-')}.log`), service.output());
      progress(`service logs written to ${logDir}`);
    }
    await results?.stop();
    await receiver.stop();
    for (const database of [readModelDatabase, sourceDatabase, cdcStateDatabase]) {
      await mongo
        ?.db(database)
        .dropDatabase()
        .catch(() => undefined);
    }
    await mongo?.close();
    await infra?.stop();
    for (const dir of [claimDir, inbox]) if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const service = (name: string): ServiceInstance => {
    const found = services.get(name);
    if (found === undefined) throw new Error(`${name} is not one of the suite's services`);
    return found;
  };

  async function inject(step: FaultStep): Promise<void> {
    const running = infra as FaultInfra;
    const at = Date.now();
    let target: string = step.kind;
    if (step.kind === 'kill') {
      target = step.target;
      await service(step.target).killAndRestart();
    } else if (step.kind === 'kafka') {
      await running.kafka.stop();
      await sleep(profile.outageMs);
      await running.kafka.start();
    } else if (step.kind === 'postgres') {
      // A clean stop first; a server that does not finish it in time is stopped as a crash would.
      await running.postgres.stop('fast', 15).catch(async (error: unknown) => {
        notes.push(
          `pg_ctl stop -m fast did not finish in 15 s (${String(error)}); log: ${running.postgres.logTail(8)}`,
        );
        target = 'postgres (fast stop hung, then immediate)';
        await running.postgres.stop('immediate');
      });
      await sleep(profile.outageMs);
      await running.postgres.start();
    } else if (step.kind === 'rabbitmq') {
      await running.rabbit.stop();
      await sleep(profile.outageMs);
      await running.rabbit.start();
    } else {
      target = 'outbound webhook receiver';
      receiver.fail(true);
      await sleep(profile.receiverFailureMs);
      receiver.fail(false);
    }
    faults.push({ kind: step.kind, target, at, restoredAt: Date.now() });
    progress(`${step.kind} ${target}: restored after ${((Date.now() - at) / 1000).toFixed(1)} s`);
  }

  async function ledgerNow(
    source: SteadyLoad,
  ): Promise<{ ledger: Ledger; inputs: LedgerInputs; heldAsBase64: number }> {
    const databaseUrl = (infra as FaultInfra).databaseUrl;
    const mongoClient = mongo as MongoClient;
    const [store, tableRows, readModel, collectionRows, collectionReadModel] = await Promise.all([
      withDatabase(databaseUrl, readEventStore),
      withDatabase(databaseUrl, async (client) => {
        const rows = await client.query<RowVersion>(`SELECT id AS key, version FROM ${table}`);
        return rows.rows;
      }),
      readReadModel(mongoClient, readModelDatabase, `public.${table}`),
      readReadModel(mongoClient, sourceDatabase, sourceCollection, false),
      // The sync agent's default read-model name for a collection: {database}.{collection}.
      readReadModel(mongoClient, readModelDatabase, `${sourceDatabase}.${sourceCollection}`),
    ]);
    const sources: Record<string, ChangeFlow> = {
      [`public.${table}`]: 'cdc',
      [`${sourceDatabase}.${sourceCollection}`]: 'mongo',
    };
    const inputs: LedgerInputs = {
      accepted: source.accepted,
      results: (results as ResultsQueue).messages,
      deliveries: receiver.deliveries,
      fileUploads: store.fileUploads,
      dataChanges: store.dataChanges.flatMap(({ subject, ...change }) => {
        const source = sources[subject];
        return source === undefined ? [] : [{ ...change, source }];
      }),
      table: tableRows,
      readModel,
      collection: collectionRows,
      collectionReadModel,
    };
    return { ledger: computeLedger(inputs), inputs, heldAsBase64: store.heldAsBase64 };
  }

  /**
   * Waits until the fault's recovery is over (recoverySettled), so the next fault is not measured
   * into it; a platform that does not recover in SETTLE_LIMIT_MS is noted and the suite goes on
   * (its inputs show as lost if they never complete).
   */
  async function settle(source: SteadyLoad, fault: InjectedFault): Promise<void> {
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    while (Date.now() < deadline) {
      const { ledger, inputs } = await ledgerNow(source);
      if (recoverySettled(fault, ledger, inputs.deliveries, Date.now())) return;
      await sleep(1_000);
    }
    notes.push(`${fault.target}: not recovered ${SETTLE_LIMIT_MS / 1000} s after the fault; the next one came anyway`);
  }

  it('loses nothing, duplicates nothing and keeps CDC order while services are killed and servers restarted', async () => {
    const running = new SteadyLoad(
      {
        gatewayUrl: () => service('webhook-gateway').url(''),
        mailSecret,
        inbox,
        databaseUrl: (infra as FaultInfra).databaseUrl,
        table,
        collection: (mongo as MongoClient).db(sourceDatabase).collection<MongoRow>(sourceCollection),
      },
      profile.rates,
    );
    load = running;
    const started = Date.now();
    running.start();
    // Every flow works end to end before the first fault.
    await waitFor(
      async () => {
        const { ledger } = await ledgerNow(running);
        return FLOWS.every((flow) => ledger.outcomes.some((o) => o.input.flow === flow && o.completedAt !== undefined));
      },
      { timeoutMs: 90_000, intervalMs: 1_000, description: 'a first result of every flow' },
    );
    const warmedUp = Date.now();
    progress(`every flow has a first result after ${((warmedUp - started) / 1000).toFixed(1)} s; injecting faults`);

    // Every step once, however slow the machine; the long profile starts over while the load lasts.
    let next = 0;
    while (next < profile.steps.length || (profile.repeat && Date.now() - started < profile.loadMs)) {
      await inject(profile.steps[next % profile.steps.length] as FaultStep);
      next++;
      await settle(running, faults.at(-1) as InjectedFault);
      await sleep(profile.gapMs);
    }
    const loadLeft = profile.loadMs - (Date.now() - started);
    if (loadLeft > 0) await sleep(loadLeft);
    await running.stop();
    const loadEnded = Date.now();
    progress(`load stopped: ${running.accepted.length} inputs accepted; waiting for every result`);

    // Every accepted input reaches its result, or the deadline passes and the ledger says which did not.
    let final = await ledgerNow(running);
    const drainDeadline = Date.now() + profile.drainMs;
    while (!complete(final.ledger) && Date.now() < drainDeadline) {
      await sleep(2_000);
      final = await ledgerNow(running);
    }
    const { ledger, inputs, heldAsBase64 } = final;
    const seconds = (loadEnded - started) / 1000;
    const accepted = inputs.accepted.length;
    const recoveries = faults.map((fault) => ({ fault, ms: recoveryMs(fault, ledger, inputs.deliveries) }));
    const measured = recoveries.flatMap((r) => (r.ms === undefined ? [] : [r.ms]));
    const lostTraces = await withDatabase((infra as FaultInfra).databaseUrl, (client) =>
      describeLost(client, ledger, prefix.length),
    );
    const slowest = await withDatabase((infra as FaultInfra).databaseUrl, (client) =>
      mapInOrder(
        faults.filter((fault) => fault.kind === 'kafka' || fault.kind === 'postgres' || fault.kind === 'rabbitmq'),
        (fault) => describeSlowest(client, fault, ledger, prefix.length),
      ),
    );
    const report = [
      `fault suite, ${profile.name} profile: ${seconds.toFixed(0)} s of load (first results after ${((warmedUp - started) / 1000).toFixed(1)} s)`,
      `inputs accepted: ${accepted} (${(accepted / seconds).toFixed(1)}/s): ` +
        FLOWS.map((flow) => `${flow} ${ledger.inputsPerFlow[flow]}`).join(', ') +
        `; refused and retried: mail ${running.refusals.mail}, cdc ${running.refusals.cdc}`,
      `faults injected: ${faults.length}; service crashes (restarted): ${crashes.length}`,
      ...recoveries.map(
        ({ fault, ms }) =>
          `  ${fault.kind.padEnd(8)} ${fault.target.padEnd(26)} outage ${((fault.restoredAt - fault.at) / 1000).toFixed(1)} s, recovery ${inSeconds(ms)}` +
          (fault.kind === 'kill' || fault.kind === 'receiver'
            ? ''
            : ` (${[...recoveryPerFlow(fault, ledger)].map(([flow, flowMs]) => `${flow} ${inSeconds(flowMs)}`).join(', ')})`),
      ),
      `worst recovery: ${measured.length === 0 ? 'n/a' : `${(Math.max(...measured) / 1000).toFixed(1)} s`}`,
      `lost: ${ledger.lost.length}; duplicated effects: ${ledger.duplicated.length}; undelivered webhooks: ${ledger.undelivered.length}; read-model mismatches: ${ledger.readModelMismatches.length}`,
      ...crashes.map(
        (crash) => `  crash: ${crash.instance} exited ${String(crash.code)}: ${crash.lastOutput.slice(-400)}`,
      ),
      ...lostTraces.map((line) => `  lost: ${line}`),
      ...slowest.flatMap((line) => (line === undefined ? [] : [`  ${line}`])),
      ...ledger.outcomes
        .filter(({ input, firstEventIds }) => input.flow === 'file' && firstEventIds.length === 0)
        .slice(0, 5)
        .map(({ input }) => {
          const name = input.flow === 'file' ? input.name : '';
          const said = service('file-watcher')
            .output()
            .split('\n')
            .filter((line) => line.includes(name));
          return `  file-watcher on ${name}: ${said.join(' | ').slice(0, 600) || 'nothing logged'}`;
        }),
      `event store: first events of files and row changes held as base64 instead of jsonb: ${heldAsBase64}`,
      ...(await withDatabase((infra as FaultInfra).databaseUrl, (client) => describeOrphans(client, ledger, inputs))),
      ...ledger.duplicated.slice(0, 10).map((line) => `  duplicated: ${line}`),
      ...ledger.readModelMismatches.slice(0, 10).map((line) => `  read model: ${line}`),
      ...running.problems.slice(0, 5).map((line) => `  load: ${line}`),
      ...notes.map((line) => `  note: ${line}`),
    ].join('\n');
    console.log(report);

    expect(faults.length).toBeGreaterThan(0);
    expect(running.problems).toEqual([]);
    expect(ledger.lost).toEqual([]);
    expect(ledger.duplicated).toEqual([]);
    expect(ledger.undelivered).toEqual([]);
    expect(ledger.readModelMismatches).toEqual([]);
    // The issue's target is 10 s for a killed consumer whose group has a live peer
    // (crash-recovery.int.spec.ts shows it; here the figure includes the flow's own latency,
    // reported above): this bound only catches a group that did not take the partitions over.
    // A single instance's recovery is its restart plus its backlog, and a server restart's is
    // reported, not bounded: a platform that did not come back loses inputs, which the ledger counts.
    const slow = recoveries.filter(
      ({ fault, ms }) => fault.kind === 'kill' && /#\d+$/.test(fault.target) && ms !== undefined && ms >= 60_000,
    );
    expect(slow.map(({ fault, ms }) => `${fault.kind} ${fault.target}: ${String(ms)} ms`)).toEqual([]);
  });
});

/** Final results whose correlation id no accepted input's first event has, with what the event store holds of it. */
async function describeOrphans(client: pg.Client, ledger: Ledger, inputs: LedgerInputs): Promise<string[]> {
  const known = new Set(ledger.outcomes.flatMap((outcome) => outcome.firstEventIds));
  const orphans = inputs.results.filter((result) => !known.has(result.correlationId));
  // One query at a time: a pg client runs them in turn anyway.
  const described = await mapInOrder(orphans.slice(0, 5), async (result) => {
    const first = await client.query<{ type: string; topic: string; path: string | null }>(
      `SELECT type, topic, data->>'relativePath' AS path FROM event_store.events WHERE id = $1`,
      [result.correlationId],
    );
    const stored = first.rows.map((row) => `${row.type}@${row.topic} path=${String(row.path)}`).join('; ');
    return `  result without input: ${result.type} ${result.messageId}, first event ${result.correlationId}: ${stored || 'not in the event store'}`;
  });
  return [`results not matched to any input: ${orphans.length}`, ...described];
}

async function mapInOrder<T, R>(items: readonly T[], map: (item: T) => Promise<R>): Promise<R[]> {
  const mapped: R[] = [];
  for (const item of items) mapped.push(await map(item));
  return mapped;
}

const inSeconds = (ms: number | undefined): string => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

/** Progress of a long run, on stderr as it happens (the report comes at the end). */
function progress(line: string): void {
  process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function complete(ledger: Ledger): boolean {
  return ledger.lost.length === 0 && ledger.undelivered.length === 0 && ledger.readModelMismatches.length === 0;
}

async function withDatabase<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * The first events of file and CDC inputs in the event store. A value the archiver kept as base64
 * instead of jsonb (its fallback for values jsonb refuses) is decoded here; how many were is
 * reported, since these values are plain JSON.
 */
async function readEventStore(client: pg.Client): Promise<{
  fileUploads: StoredFileUpload[];
  dataChanges: (Omit<StoredDataChange, 'source'> & { subject: string })[];
  heldAsBase64: number;
}> {
  const rows = await client.query<{
    id: string;
    type: string;
    subject: string | null;
    data: unknown;
    value_base64: string | null;
    at: Date;
  }>(
    `SELECT DISTINCT ON (id) id, type, subject, data, value_base64, kafka_timestamp AS at FROM event_store.events
      WHERE type IN ('file.uploaded', 'data.changed') AND topic NOT LIKE '%.dlq' ORDER BY id, kafka_timestamp`,
  );
  let heldAsBase64 = 0;
  const fileUploads = new Map<string, StoredFileUpload>();
  const dataChanges = new Map<string, Omit<StoredDataChange, 'source'> & { subject: string }>();
  for (const row of rows.rows) {
    let data = row.data as Record<string, unknown> | null;
    if (data === null && row.value_base64 !== null) {
      heldAsBase64++;
      data = JSON.parse(Buffer.from(row.value_base64, 'base64').toString('utf8')) as Record<string, unknown>;
    }
    if (data === null) continue;
    if (row.type === 'file.uploaded') {
      fileUploads.set(row.id, { id: row.id, relativePath: String(data['relativePath']) });
    } else {
      // A table's key is its primary key (id); a collection's, the document's _id.
      const change = data as { op: string; key: { id?: string; _id?: string }; after: { version?: number } | null };
      dataChanges.set(row.id, {
        id: row.id,
        subject: row.subject ?? '',
        key: String(change.key.id ?? change.key._id),
        op: change.op,
        version: change.after?.version,
        at: row.at.getTime(),
      });
    }
  }
  return { fileUploads: [...fileUploads.values()], dataChanges: [...dataChanges.values()], heldAsBase64 };
}

/** How far each lost input got: the events of its chain in the event store, by type and topic. */
async function describeLost(client: pg.Client, ledger: Ledger, prefixLength: number): Promise<string[]> {
  const lost = ledger.outcomes.filter((outcome) => outcome.resultIds.length === 0).slice(0, 10);
  return mapInOrder(lost, async ({ input, firstEventIds }) => {
    const what =
      input.flow === 'mail'
        ? input.eventId
        : input.flow === 'file'
          ? input.name
          : `${input.key} ${input.op} v${input.version}`;
    const at = new Date(input.at).toISOString().slice(11, 23);
    if (firstEventIds.length === 0) return `${input.flow} ${what} (accepted ${at}): no first event in the event store`;
    const chain = await client.query<{ type: string; topic: string; n: number; reason: string | null }>(
      `SELECT type, topic, count(*)::int AS n, max(headers->>'${DLQ_HEADERS.reason}') AS reason
           FROM event_store.events WHERE correlationid = ANY($1) GROUP BY type, topic ORDER BY min(kafka_timestamp)`,
      [firstEventIds],
    );
    const steps = chain.rows
      .map(
        (row) =>
          `${row.type}@${row.topic.slice(prefixLength)}×${row.n}${row.reason === null ? '' : ` (${row.reason})`}`,
      )
      .join(' → ');
    return `${input.flow} ${what} (accepted ${at}, ${firstEventIds.join(',')}): ${steps}`;
  });
}

/**
 * For a server fault, the input of its recovery window that completed last, hop by hop: when
 * each of its events reached Kafka, in seconds after the fault. Says where a slow recovery waited.
 */
async function describeSlowest(
  client: pg.Client,
  fault: InjectedFault,
  ledger: Ledger,
  prefixLength: number,
): Promise<string | undefined> {
  // Each flow's recovery window (as recoveryPerFlow takes it), and the input completed last in any.
  const window = FLOWS.flatMap((flow) => recoveryWindow(fault, ledger, flow)).filter(
    (outcome) => outcome.completedAt !== undefined,
  );
  if (window.length === 0) return undefined;
  const slowest = window.reduce((a, b) => ((b.completedAt as number) > (a.completedAt as number) ? b : a));
  const chain = await client.query<{ type: string; topic: string; at: Date }>(
    `SELECT type, topic, min(kafka_timestamp) AS at FROM event_store.events
       WHERE correlationid = ANY($1) GROUP BY type, topic ORDER BY min(kafka_timestamp)`,
    [slowest.firstEventIds],
  );
  const since = (ms: number): string => `+${((ms - fault.at) / 1000).toFixed(1)} s`;
  const hops = chain.rows.map((row) => `${row.type}@${row.topic.slice(prefixLength)} ${since(row.at.getTime())}`);
  return `${fault.kind} (back ${since(fault.restoredAt)}): slowest ${slowest.input.flow} accepted ${since(slowest.input.at)}: ${hops.join(' → ')} → result ${since(slowest.completedAt as number)}`;
}

/** A collection's live documents as key and version: a read model (deleted ones marked), or the watched source. */
async function readReadModel(
  mongo: MongoClient,
  database: string,
  collection: string,
  readModel = true,
): Promise<RowVersion[]> {
  const documents = await mongo
    .db(database)
    .collection<{ _id: string; id: string; version: number; _flowline?: { deleted?: boolean } }>(collection)
    .find(readModel ? { '_flowline.deleted': { $ne: true } } : {})
    .toArray();
  return documents.map((document) => ({ key: document.id, version: Number(document.version) }));
}
