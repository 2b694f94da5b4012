/**
 * Crash tests with real consumer processes (test-fixtures/consumer-process.ts): SIGKILL
 * between an effect and its offset commit loses nothing and repeats nothing — with Kafka
 * transactions (effect = output events) and with the PostgreSQL inbox (effect = a row);
 * a poison pill is dead-lettered instead of crashing the consumer forever; SIGTERM drains.
 * With two processes in one group: a SIGKILLed member's partitions are taken over within the
 * session timeout's reach, and a SIGTERMed one leaves the group so no one waits for it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { createEvent, encodeEvent, FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { createLogger } from '@flowline/telemetry';
import { testInfra, TopicProbe, uniqueName, waitFor } from '@flowline/testing';
import { DLQ_HEADERS } from './dead-letter';
import { MessagingClient } from './messaging-client';

const FIXTURE = join(__dirname, 'test-fixtures', 'consumer-process.ts');
const REPO_ROOT = resolve(__dirname, '../../..');
const logger = createLogger({ service: 'crash-test', level: 'silent' });

interface Run {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/**
 * How long a test waits for a restarted consumer to finish its work. These tests are about
 * what is lost or doubled, not about speed (the takeover tests below measure that): in CI
 * they share two cores with the fault suite's dozen services and broker, where a restart
 * plus 300 transactional events once took more than a minute.
 */
const FINISH_DEADLINE_MS = 180_000;
// A test's own limit: setup, the crash, the restart, the wait above and the final read.
jest.setTimeout(360_000);

/** Every fixture process started; those still alive after a test are killed. */
const started: Run[] = [];

function runFixture(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--conditions=flowline-source', '--import', 'tsx', FIXTURE], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const run = { child, exited, output: () => output };
  started.push(run);
  return run;
}

/** The last lines a fixture process wrote, for a failure message. */
function tail(run: Run): string {
  return run.output().trim().split('\n').slice(-20).join('\n') || '(nothing)';
}

/** Waits for `waiting`; a failure says too how far it got (`progress`) and what the consumer process wrote. */
async function explained<T>(run: Run, waiting: Promise<T>, progress = (): string => ''): Promise<T> {
  try {
    return await waiting;
  } catch (error) {
    throw new Error(`${(error as Error).message}${progress()}; the consumer process wrote:\n${tail(run)}`);
  }
}

/** Waits until every input's output was seen on the probe (the probe reads committed messages only). */
async function waitForEveryOutput(probe: TopicProbe, expected: number, run: Run): Promise<void> {
  const seen = () => new Set(probe.messages.map((m) => m.event?.correlationid)).size;
  const all = waitFor(() => seen() === expected, { timeoutMs: FINISH_DEADLINE_MS, description: `${expected} outputs` });
  await explained(run, all, () => `; seen ${seen()}`);
}

function inputEvents(count: number, poisonAt?: number): FlowlineEvent[] {
  return Array.from({ length: count }, (_, i) =>
    createEvent(
      'webhook.received',
      { source: 'crash-test', payload: { i, ...(i === poisonAt ? { poison: true } : {}) } },
      { source: '/crash-test', partitionKey: `k${i % 7}` },
    ),
  );
}

describe('consumer processes that crash', () => {
  const { KAFKA_BROKERS, DATABASE_URL } = testInfra();
  const brokers = KAFKA_BROKERS.split(',');
  const messaging = new MessagingClient({ brokers, clientId: 'crash-test', logger });
  const raw = new Kafka({ clientId: 'crash-test', brokers, logLevel: logLevel.NOTHING });
  /** Probes a test opened; a failed test leaves them to this (a later heartbeat would outlive Jest). */
  const probes: TopicProbe[] = [];
  const openProbe = async (topics: string[]) => {
    const probe = await TopicProbe.start(KAFKA_BROKERS, topics);
    probes.push(probe);
    return probe;
  };

  afterEach(async () => {
    for (const run of started.splice(0))
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await Promise.all(probes.splice(0).map((probe) => probe.stop().catch(() => undefined)));
  });

  async function setUp(count: number, poisonAt?: number) {
    const input = uniqueName('crash-in');
    const output = uniqueName('crash-out');
    await messaging.ensureTopics([
      { name: input, partitions: 3 },
      { name: output, partitions: 3 },
    ]);
    const events = inputEvents(count, poisonAt);
    const publisher = messaging.createPublisher();
    await publisher.start();
    await Promise.all(events.map((event) => publisher.publish(input, event)));
    await publisher.stop();
    return { input, output, events, group: uniqueName('crash-group') };
  }

  /**
   * Every committed message on the topic, read after the consumers stopped: a sentinel is
   * appended to each partition, and once the reader has seen every sentinel it has read
   * everything before them.
   */
  async function committedOutput(topic: string): Promise<string[]> {
    const admin = raw.admin();
    await admin.connect();
    const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => p.partition);
    await admin.disconnect();
    const sentinel = (partition: number) =>
      createEvent(
        'document.processed',
        { kind: 'sentinel', text: `sentinel-${partition}`, metadata: {} },
        { source: '/crash-test' },
      );
    const producer = raw.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: partitions.map((partition) => ({ ...encodeEvent(sentinel(partition)), partition })),
    });
    await producer.disconnect();
    const probe = await TopicProbe.start(KAFKA_BROKERS, [topic]);
    try {
      await waitFor(
        () =>
          probe.messages.filter((m) => m.event?.type === 'document.processed' && m.event.data.kind === 'sentinel')
            .length === partitions.length,
        {
          description: `every sentinel on ${topic}`,
        },
      );
      return probe.messages.flatMap((m) =>
        m.event?.type === 'document.processed' && m.event.data.kind !== 'sentinel' ? [m.event.data.text] : [],
      );
    } finally {
      await probe.stop();
    }
  }

  async function stopGracefully(run: Run): Promise<void> {
    // What is under test is the drain of a running consumer. A process still loading its modules
    // has no SIGTERM handler yet, and one still starting has nothing to drain; on a loaded machine
    // either can take seconds. So SIGTERM goes out once the process says it runs (a no-op wait
    // for a process whose output was already seen).
    await waitFor(() => run.output().includes('consumer-fixture: running'), {
      timeoutMs: 60_000,
      description: 'the consumer process to be running',
    });
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect({ code, output: code === 0 ? '' : run.output() }).toEqual({ code: 0, output: '' });
  }

  it('with Kafka transactions: SIGKILL after an effect, before its commit, loses nothing and doubles nothing', async () => {
    const { input, output, events, group } = await setUp(300);
    const env = {
      KAFKA_BROKERS,
      MODE: 'transactional',
      INPUT: input,
      OUTPUT: output,
      GROUP: group,
      HANDLE_DELAY_MS: '2',
    };
    const crashed = runFixture({ ...env, CRASH_AFTER: '120' });
    expect((await crashed.exited).signal).toBe('SIGKILL');
    const again = runFixture(env);
    const probe = await openProbe([output]);
    await waitForEveryOutput(probe, events.length, again);
    await stopGracefully(again);
    const texts = await committedOutput(output);
    expect(texts).toHaveLength(events.length);
    expect(new Set(texts)).toEqual(new Set(events.map((e) => e.id)));
  });

  it('with the PostgreSQL inbox: SIGKILL after the database commit, before the offset commit, applies each event once', async () => {
    const { input, events, group } = await setUp(300);
    const table = uniqueName('effects').replace(/-/g, '_');
    const db = new Client({ connectionString: DATABASE_URL });
    await db.connect();
    try {
      await db.query(`CREATE TABLE ${table} (event_id text NOT NULL)`); // no unique key: a double would show
      const env = {
        KAFKA_BROKERS,
        DATABASE_URL,
        MODE: 'inbox',
        INPUT: input,
        GROUP: group,
        EFFECTS_TABLE: table,
        HANDLE_DELAY_MS: '1',
      };
      const crashed = runFixture({ ...env, CRASH_AFTER: '150' });
      expect((await crashed.exited).signal).toBe('SIGKILL');
      const afterCrash = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
      // Partitions are handled concurrently: others may have committed an effect beside the 150th.
      expect(afterCrash).toBeGreaterThanOrEqual(150);
      const again = runFixture(env);
      await explained(
        again,
        waitFor(
          async () =>
            Number((await db.query<{ n: string }>(`SELECT count(DISTINCT event_id) AS n FROM ${table}`)).rows[0]?.n) ===
            events.length,
          { timeoutMs: FINISH_DEADLINE_MS, description: 'every event applied' },
        ),
      );
      await stopGracefully(again);
      const rows = await db.query<{ event_id: string; n: string }>(
        `SELECT event_id, count(*) AS n FROM ${table} GROUP BY event_id`,
      );
      expect(rows.rows).toHaveLength(events.length);
      expect(rows.rows.filter((row) => row.n !== '1')).toEqual([]);
    } finally {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
      await db.end();
    }
  });

  it('dead-letters a poison pill after a bounded number of crashes and handles everything else', async () => {
    const { input, output, events, group } = await setUp(40, 17);
    const poison = events[17] as FlowlineEvent;
    const env = { KAFKA_BROKERS, MODE: 'transactional', INPUT: input, OUTPUT: output, GROUP: group };
    await messaging.ensureTopics([{ name: topicNames().deadLetter(input), partitions: 1 }]);
    const dlq = await openProbe([topicNames().deadLetter(input)]);
    const out = await openProbe([output]);
    const handledAllButPoison = () =>
      new Set(out.messages.map((m) => m.event?.correlationid)).size === events.length - 1;
    // What a supervisor (Kubernetes, systemd) does: restart the process whenever it dies.
    let crashes = 0;
    let run = runFixture(env);
    let exited = false;
    const watch = (current: Run) => void current.exited.then(() => (exited = true));
    watch(run);
    await waitFor(
      () => {
        if (handledAllButPoison()) return true;
        if (exited) {
          crashes += 1;
          exited = false;
          run = runFixture(env);
          watch(run);
        }
        return false;
      },
      { timeoutMs: FINISH_DEADLINE_MS, intervalMs: 50, description: 'every event but the poison pill handled' },
    );
    expect(crashes).toBeLessThanOrEqual(6);
    const dead = await dlq.waitFor((m) => m.event?.id === poison.id);
    expect(dead.headers[DLQ_HEADERS.errorClass]).toBe('PoisonPill');
    expect(dead.headers[DLQ_HEADERS.reason]).toMatch(/crashed the process 3 times/);
    expect(crashes).toBeGreaterThanOrEqual(3);
    await stopGracefully(run);
  });

  it.each(['transactional', 'plain'])(
    'drains on SIGTERM (%s): exits 0, and a restart repeats nothing',
    async (mode) => {
      const { input, output, events, group } = await setUp(200);
      const env = { KAFKA_BROKERS, MODE: mode, INPUT: input, OUTPUT: output, GROUP: group, HANDLE_DELAY_MS: '5' };
      const first = runFixture(env);
      const probe = await openProbe([output]);
      await probe.waitFor(() => probe.messages.length >= 30, { timeoutMs: FINISH_DEADLINE_MS });
      await stopGracefully(first);
      const second = runFixture(env);
      await waitForEveryOutput(probe, events.length, second);
      await stopGracefully(second);
      // Without a transaction, only a crash may repeat work; a clean stop commits what it did.
      expect(await committedOutput(output)).toHaveLength(events.length);
    },
  );

  describe('two processes in one group', () => {
    /** Which process handled which input partition, from the outputs' metadata (consumer-process.ts). */
    const handledBy = (probe: TopicProbe, ids: ReadonlySet<string>): Map<string, { pid: number; partition: number }> =>
      new Map(
        probe.messages.flatMap((m) =>
          m.event?.type === 'document.processed' && ids.has(m.event.data.text)
            ? [[m.event.data.text, m.event.data.metadata as { pid: number; partition: number }] as const]
            : [],
        ),
      );

    async function publishRound(input: string, round: string): Promise<Set<string>> {
      // 30 keys: every one of the 3 partitions gets some (checked below from the outputs).
      const events = Array.from({ length: 30 }, (_, i) =>
        createEvent(
          'webhook.received',
          { source: 'crash-test', payload: { round, i } },
          { source: '/crash-test', partitionKey: `k${i}` },
        ),
      );
      const publisher = messaging.createPublisher();
      await publisher.start();
      await Promise.all(events.map((event) => publisher.publish(input, event)));
      await publisher.stop();
      return new Set(events.map((event) => event.id));
    }

    /**
     * Starts two members and waits until both handle partitions; returns them with the input
     * partitions each one handled in a last round, once that round was handled whole.
     */
    async function twoMembers(env: Record<string, string>, firstEnv: Record<string, string> = {}) {
      const first = runFixture({ ...env, ...firstEnv });
      await waitFor(() => first.output().includes('consumer-fixture: running'), {
        timeoutMs: 60_000,
        description: 'the first consumer process to be running',
      });
      const second = runFixture(env);
      const probe = await openProbe([env['OUTPUT'] as string]);
      // A round handled whole, by both processes and on all three partitions: the group is settled.
      let owners = new Map<number, number>();
      await waitFor(
        async () => {
          const ids = await publishRound(env['INPUT'] as string, 'warm-up');
          try {
            await waitFor(() => handledBy(probe, ids).size === ids.size, { timeoutMs: 15_000 });
          } catch {
            return false;
          }
          owners = new Map([...handledBy(probe, ids).values()].map(({ pid, partition }) => [partition, pid]));
          return owners.size === 3 && new Set(owners.values()).size === 2;
        },
        { timeoutMs: 90_000, intervalMs: 500, description: 'both processes handling partitions' },
      );
      const partitionsOf = (run: Run) => [...owners].filter(([, pid]) => pid === run.child.pid).map(([p]) => p);
      return { first, second, probe, partitionsOf };
    }

    /** Publishes a round and resolves with the milliseconds from `since` until every event of it was handled, by `survivor`. */
    async function takeover(input: string, probe: TopicProbe, survivor: Run, since: number, deadlineMs: number) {
      const ids = await publishRound(input, 'after');
      await waitFor(() => handledBy(probe, ids).size === ids.size, {
        timeoutMs: deadlineMs - (Date.now() - since),
        intervalMs: 20,
        description: 'the survivor to handle every partition',
      });
      const tookMs = Date.now() - since;
      const handlers = new Set([...handledBy(probe, ids).values()].map(({ pid }) => pid));
      return { tookMs, handlers, expected: new Set([survivor.child.pid]) };
    }

    it('SIGKILL: the survivor takes over the killed member’s partitions and handles new events on them', async () => {
      const { input, output, group } = await setUp(0);
      const env = { KAFKA_BROKERS, MODE: 'transactional', INPUT: input, OUTPUT: output, GROUP: group };
      const { first, second, probe, partitionsOf } = await twoMembers(env);
      expect(partitionsOf(first).length).toBeGreaterThan(0);
      const killedAt = Date.now();
      first.child.kill('SIGKILL');
      await first.exited;
      // The round is published once the process is gone, so only the survivor can handle it.
      const { tookMs, handlers, expected } = await takeover(input, probe, second, killedAt, 20_000);
      process.stdout.write(
        `takeover after SIGKILL: ${tookMs} ms (partitions ${partitionsOf(first).join(',')} of the killed member, default session timeout)\n`,
      );
      expect(handlers).toEqual(expected);
      await stopGracefully(second);
    });

    it('SIGTERM in the middle of a slow batch: the member drains and leaves the group, so no one waits out its session', async () => {
      const { input, output, group } = await setUp(0);
      // A session far longer than the deadline below: only a LeaveGroup lets the survivor in before it.
      const env = {
        KAFKA_BROKERS,
        MODE: 'plain',
        INPUT: input,
        OUTPUT: output,
        GROUP: group,
        SESSION_TIMEOUT_MS: '60000',
      };
      const { first, second, probe, partitionsOf } = await twoMembers(env, { HANDLE_DELAY_MS: '300' });
      expect(partitionsOf(first).length).toBeGreaterThan(0);
      // Work for the slow member, so the stop comes while a batch of it is being handled.
      const slowWork = await publishRound(input, 'slow');
      await waitFor(() => [...handledBy(probe, slowWork).values()].some(({ pid }) => pid === first.child.pid), {
        timeoutMs: 30_000,
        description: 'the slow member to be handling a batch',
      });
      const stoppedAt = Date.now();
      await stopGracefully(first);
      const { tookMs, handlers, expected } = await takeover(input, probe, second, stoppedAt, 30_000);
      process.stdout.write(`takeover after SIGTERM: ${tookMs} ms (session timeout 60 s)\n`);
      expect(handlers).toEqual(expected);
      // Nothing of the slow round is lost: the drained batch was committed, the rest handed over.
      await waitFor(() => handledBy(probe, slowWork).size === slowWork.size, {
        description: 'the slow round handled whole',
      });
      await stopGracefully(second);
    });
  });
});
