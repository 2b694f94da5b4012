import { CliDependencies, runCli } from './cli';
import type { Connections, EventTrace } from './ports';
import { UnreachableError } from './cli-error';
import { NOW } from './test-fixtures/cli-context';
import { FakeEventStore } from './test-fixtures/fake-event-store';
import { FakePublisher, FakeTopicReader, webhookRecord } from './test-fixtures/fake-kafka';

function fakes() {
  const store = new FakeEventStore();
  const reader = new FakeTopicReader({ 'agent.document': [], 'agent.document.dlq': [] });
  const publisher = new FakePublisher();
  const connected = { count: 0, closed: 0 };
  const connections: Connections = {
    eventStore: () => Promise.resolve(store),
    topicReader: () => Promise.resolve(reader),
    publisher: () => Promise.resolve(publisher),
    subscriptions: () => Promise.reject(new Error('no subscription store in these tests')),
    close: () => {
      connected.closed += 1;
      return Promise.resolve();
    },
  };
  return { store, reader, publisher, connected, connections };
}

async function run(
  argv: string[],
  options: { env?: Record<string, string>; connections?: Connections; controller?: AbortController } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const world = fakes();
  const dependencies: CliDependencies = {
    env: options.env ?? {},
    connect: () => {
      world.connected.count += 1;
      return options.connections ?? world.connections;
    },
    signal: (options.controller ?? new AbortController()).signal,
    now: () => NOW,
  };
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, dependencies);
  return { code, out: out.join(''), err: err.join(''), ...world };
}

function traceOf(correlationId: string): EventTrace {
  const time = new Date('2026-11-22T10:00:00.000Z');
  return {
    correlationId,
    roots: [
      {
        id: correlationId,
        type: 'file.uploaded',
        source: '/file-watcher',
        time,
        causationid: null,
        sinceParentMs: null,
        appearances: [],
        status: 'processed',
        children: [],
      },
    ],
    eventCount: 1,
    firstTime: time,
    lastTime: time,
    stoppedAt: [],
  };
}

describe('flowline CLI', () => {
  it('answers --help with every command and exit code 0, without connecting', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['trace', 'tail', 'dlq list', 'dlq redrive', 'replay', 'stats', 'ids']) {
      expect(result.out).toContain(command);
    }
    expect(result.connected.count).toBe(0);
  });

  it("shows a command's own help", async () => {
    const result = await run(['replay', '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('--to-topic <topic>');
    expect(result.out).toContain('Event ids are kept');
  });

  it('shows usage and fails when no command is given', async () => {
    expect(await run([])).toMatchObject({ code: 2, out: expect.stringContaining('Usage: flowline') });
  });

  it('names an unknown command in one line and exits 2', async () => {
    const result = await run(['explode']);
    expect(result.code).toBe(2);
    expect(result.err).toBe('flowline: USAGE: unknown command "explode" (see flowline --help)\n');
  });

  it('suggests the command meant', async () => {
    expect((await run(['trcae', 'x'])).err).toBe('flowline: USAGE: unknown command "trcae" (did you mean trace?)\n');
  });

  it('exits 2 with one line and no stack for a bad argument', async () => {
    const result = await run(['replay', '--from', 'yesterday', '--to-topic', 'agent.document']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^flowline: USAGE: --from "yesterday" is neither a time .*\n$/);
    expect(result.err.split('\n')).toHaveLength(2);
    expect(result.out).toBe('');
  });

  it('prints the stack as well with --verbose, wherever it stands', async () => {
    const result = await run(['replay', '--from', 'yesterday', '--verbose', '--to-topic', 'agent.document']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^flowline: USAGE: --from "yesterday".*\nUsageError: .*\n\s+at /);
  });

  it('exits 2 for an unknown option and a missing argument, in one line each', async () => {
    const unknown = await run(['trace', 'abc', '--jsn']);
    expect(unknown).toMatchObject({ code: 2, err: "flowline: USAGE: unknown option '--jsn' (Did you mean --json?)\n" });
    const missing = await run(['trace']);
    expect(missing).toMatchObject({ code: 2, err: "flowline: USAGE: missing required argument 'correlationid'\n" });
  });

  it('exits 2 for a bad topic name', async () => {
    const result = await run(['tail', 'bad topic']);
    expect(result).toMatchObject({
      code: 2,
      err: expect.stringContaining('flowline: USAGE: topic "bad topic" is not a valid Kafka topic name'),
    });
  });

  it('exits 2 for a bad setting, naming the key', async () => {
    const result = await run(['trace', 'abc'], { env: { KAFKA_BROKERS: 'localhost' } });
    expect(result).toMatchObject({
      code: 2,
      err: 'flowline: USAGE: KAFKA_BROKERS: each broker must be host:port (got "localhost"); example: KAFKA_BROKERS=127.0.0.1:9092\n',
    });
  });

  it('never repeats DATABASE_URL (it may hold a password)', async () => {
    const result = await run(['trace', 'abc'], { env: { DATABASE_URL: 'mysql://root:hunter2@db/x' } });
    expect(result.code).toBe(2);
    expect(result.err).not.toContain('hunter2');
  });

  it('prints a trace and closes the connections', async () => {
    const world = fakes();
    world.store.traces.set('c-1', traceOf('c-1'));
    const result = await run(['trace', 'c-1'], { connections: world.connections });
    expect(result.code).toBe(0);
    expect(result.out).toContain('correlation c-1: 1 event');
    expect(world.connected.closed).toBe(1);
  });

  it('prints a trace as JSON with --json', async () => {
    const world = fakes();
    world.store.traces.set('c-1', traceOf('c-1'));
    const result = await run(['trace', 'c-1', '--json'], { connections: world.connections });
    expect(JSON.parse(result.out)).toMatchObject({ correlationId: 'c-1', firstTime: '2026-11-22T10:00:00.000Z' });
  });

  it('exits 1 naming an unknown correlation id', async () => {
    const result = await run(['trace', 'nope']);
    expect(result).toMatchObject({
      code: 1,
      err: 'flowline: NOT_FOUND: no events with correlation id "nope" in the event store (is the event-archiver running?)\n',
    });
  });

  it('exits 1 naming an unknown topic and the brokers, hinting at a forgotten prefix', async () => {
    const result = await run(['tail', 'agent.email'], {
      env: { KAFKA_BROKERS: 'k1:9092,k2:9092', FLOWLINE_TOPIC_PREFIX: 'acme.' },
    });
    expect(result).toMatchObject({
      code: 1,
      err: 'flowline: UNKNOWN_TOPIC: no topic "agent.email" in Kafka at k1:9092,k2:9092 (topics are taken as given: did you mean "acme.agent.email"?)\n',
    });
  });

  it('exits 1 with one line naming what could not be reached', async () => {
    const world = fakes();
    const down: Connections = {
      ...world.connections,
      eventStore: () =>
        Promise.reject(
          new UnreachableError('cannot reach PostgreSQL at 127.0.0.1:55432/flowline: connect ECONNREFUSED'),
        ),
    };
    const result = await run(['trace', 'x'], { connections: down });
    expect(result).toMatchObject({
      code: 1,
      err: 'flowline: UNREACHABLE: cannot reach PostgreSQL at 127.0.0.1:55432/flowline: connect ECONNREFUSED\n',
    });
  });

  it('passes on a failure of the messaging lib (BrokerUnavailable) as one line, exit 1', async () => {
    const world = fakes();
    const failing = Object.assign(new Error('cannot reach Kafka at 127.0.0.1:9092: Connection error'), {
      code: 'BROKER_UNAVAILABLE',
    });
    const down: Connections = { ...world.connections, topicReader: () => Promise.reject(failing) };
    expect(await run(['tail', 'agent.document'], { connections: down })).toMatchObject({
      code: 1,
      err: 'flowline: BROKER_UNAVAILABLE: cannot reach Kafka at 127.0.0.1:9092: Connection error\n',
    });
  });

  it('names a failure nobody classified FAILED, in one line, exit 1', async () => {
    const world = fakes();
    const down: Connections = {
      ...world.connections,
      topicReader: () => Promise.reject(new Error('socket hang up\n    at somewhere')),
    };
    expect(await run(['tail', 'agent.document'], { connections: down })).toMatchObject({
      code: 1,
      err: 'flowline: FAILED: socket hang up\n',
    });
  });

  it('requires exactly one redrive selector', async () => {
    const none = await run(['dlq', 'redrive', 'agent.document']);
    expect(none).toMatchObject({
      code: 2,
      err: 'flowline: USAGE: dlq redrive needs exactly one of --id <id>, --all, --type <type> (got none)\n',
    });
    const two = await run(['dlq', 'redrive', 'agent.document', '--all', '--type', 'x']);
    expect(two).toMatchObject({ code: 2, err: expect.stringContaining('(got --all and --type)') });
    expect(two.connected.count).toBe(0);
  });

  it('shows the dlq commands and exits 2 when dlq is given no subcommand', async () => {
    const result = await run(['dlq']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('redrive');
  });

  it('tails until the signal, then exits 0', async () => {
    const world = fakes();
    world.reader.live = [webhookRecord('agent.document', 3, 'ev-1')];
    const controller = new AbortController();
    const running = run(['tail', 'agent.document'], { connections: world.connections, controller });
    setTimeout(() => controller.abort(), 20);
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.out).toContain('webhook.received  id=ev-1');
  });

  it('exits 130 when a replay is interrupted', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run(['replay', '--from', '0', '--topic', 'agent.document', '--to-topic', 'agent.document'], {
      controller,
    });
    expect(result).toMatchObject({
      code: 130,
      err: 'flowline: INTERRUPTED: replayed 0 events to agent.document before stopping\n',
    });
  });

  it('reads --since for stats relative to now', async () => {
    const world = fakes();
    await run(['stats', '--since', '2h'], { connections: world.connections });
    expect(world.store.statsWindows).toEqual([{ from: new Date('2026-11-22T10:00:00.000Z'), to: NOW }]);
  });
});
