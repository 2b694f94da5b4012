import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { z } from 'zod';
import { baseServiceConfig, configFields } from './config';
import { ServiceDefinition, startService } from './run-service';

const REPO_ROOT = resolve(__dirname, '../../..');

function captureLog(): { stream: Writable; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

const secretConfig = baseServiceConfig.extend({
  WEBHOOK_SECRET: z.string().min(1),
  DATABASE_URL: configFields.url('postgres://flowline@127.0.0.1:5432/flowline', ['postgres', 'postgresql']),
});

function definition(start: () => Promise<void> = () => Promise.resolve()): ServiceDefinition<typeof secretConfig> {
  return {
    name: 'secret-keeper',
    configSchema: secretConfig,
    build: () => ({ components: [{ name: 'worker', start, stop: () => Promise.resolve() }], readiness: [] }),
  };
}

describe('startService', () => {
  it('logs the effective config once at start, naming secret keys but never their values', async () => {
    const log = captureLog();
    const env = {
      PORT: String(await freePort()),
      WEBHOOK_SECRET: 's3cr3t-value',
      DATABASE_URL: 'postgres://u:p4ssw0rd@h/db',
    };
    const service = await startService(definition(), env, { logDestination: log.stream });
    await service.stop();

    const configLines = log.lines().filter((line) => line['msg'] === 'config loaded');
    expect(configLines).toHaveLength(1);
    expect(configLines[0]?.['config']).toMatchObject({
      WEBHOOK_SECRET: '[redacted]',
      DATABASE_URL: 'postgres://u:[redacted]@h/db',
      PORT: Number(env.PORT),
    });
    expect(log.text()).not.toContain('s3cr3t-value');
    expect(log.text()).not.toContain('p4ssw0rd');
  });

  it('masks a URL password in the error it logs when a component fails to start', async () => {
    const log = captureLog();
    const env = {
      PORT: String(await freePort()),
      WEBHOOK_SECRET: 's3cr3t-value',
      DATABASE_URL: 'postgres://u:p4ssw0rd@h/db',
    };
    const failing = definition(() => Promise.reject(new Error(`cannot reach ${env.DATABASE_URL}`)));
    await expect(startService(failing, env, { logDestination: log.stream })).rejects.toThrow('cannot reach');

    expect(log.lines().find((line) => line['msg'] === 'start failed')).toMatchObject({
      err: { message: 'cannot reach postgres://u:[redacted]@h/db' },
    });
    expect(log.text()).not.toContain('p4ssw0rd');
    expect(log.text()).not.toContain('s3cr3t-value');
  });
});

describe('HTTP requests no route of the service answers', () => {
  it('get JSON: a 404 naming the request, a client error with its reason, a 500 that hides internals (and is logged)', async () => {
    const log = captureLog();
    const port = await freePort();
    const env = { PORT: String(port), WEBHOOK_SECRET: 's3cr3t-value' };
    const api: ServiceDefinition<typeof secretConfig> = {
      ...definition(),
      build: ({ http }) => {
        http.get('/boom', () => {
          throw new Error('database password is hunter2');
        });
        http.get('/teapot', () => {
          throw Object.assign(new Error('bad range'), { status: 416 });
        });
        return { components: [], readiness: [] };
      },
    };
    const service = await startService(api, env, { logDestination: log.stream });
    try {
      const answer = async (path: string, method = 'GET'): Promise<[number, string | null, unknown]> => {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
        return [response.status, response.headers.get('content-type'), await response.json()];
      };
      expect(await answer('/nowhere?x=1')).toEqual([
        404,
        expect.stringMatching(/^application\/json/),
        { error: 'no route for GET /nowhere' },
      ]);
      expect(await answer('/healthz', 'POST')).toEqual([
        404,
        expect.stringMatching(/^application\/json/),
        { error: 'no route for POST /healthz' },
      ]);
      expect(await answer('/teapot')).toEqual([
        416,
        expect.stringMatching(/^application\/json/),
        { error: 'bad range' },
      ]);
      expect(await answer('/boom')).toEqual([
        500,
        expect.stringMatching(/^application\/json/),
        { error: 'internal error' },
      ]);
      expect(log.lines().find((line) => line['msg'] === 'request failed')).toMatchObject({
        path: '/boom',
        err: { message: 'database password is hunter2' },
      });
    } finally {
      await service.stop();
    }
  });
});

describe('HTTP requests while the service starts', () => {
  it('get 503 with Retry-After on the service’s routes, not a 404 for a route not mounted yet; /healthz answers', async () => {
    const port = await freePort();
    let letStart!: () => void;
    const starting = new Promise<void>((resolveStart) => (letStart = resolveStart));
    const api: ServiceDefinition<typeof secretConfig> = {
      ...definition(() => starting),
      build: ({ http }) => {
        http.post('/webhooks/mail', (_request, response) => {
          response.status(202).json({ accepted: true });
        });
        return {
          components: [{ name: 'publisher', start: () => starting, stop: () => Promise.resolve() }],
          readiness: [],
        };
      },
    };
    const running = startService(
      api,
      { PORT: String(port), WEBHOOK_SECRET: 's' },
      { logDestination: captureLog().stream },
    );
    const post = () => fetch(`http://127.0.0.1:${port}/webhooks/mail`, { method: 'POST' });
    let early: Response | undefined;
    for (let tries = 0; tries < 100 && early === undefined; tries++) {
      early = await post().catch(() => undefined);
      if (early === undefined) await new Promise((wait) => setTimeout(wait, 50));
    }
    expect(early?.status).toBe(503);
    expect(early?.headers.get('retry-after')).toBe('1');
    expect(await early?.json()).toEqual({ error: 'secret-keeper is starting' });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    letStart();
    const service = await running;
    try {
      expect((await post()).status).toBe(202);
    } finally {
      await service.stop();
    }
  });
});

describe('a component that fails for good while running', () => {
  it('stops the service (every component) and reports the failure, instead of idling alive', async () => {
    const log = captureLog();
    const env = { PORT: String(await freePort()), WEBHOOK_SECRET: 's3cr3t-value' };
    let giveUp!: (error: Error) => void;
    const stopped: string[] = [];
    const failing: ServiceDefinition<typeof secretConfig> = {
      name: 'secret-keeper',
      configSchema: secretConfig,
      build: () => ({
        components: [
          {
            name: 'publisher',
            start: () => Promise.resolve(),
            stop: () => Promise.resolve(void stopped.push('publisher')),
          },
          {
            name: 'consumer',
            start: () => Promise.resolve(),
            stop: () => Promise.resolve(void stopped.push('consumer')),
            failed: new Promise<Error>((resolve) => (giveUp = resolve)),
          },
        ],
        readiness: [],
      }),
    };
    const service = await startService(failing, env, { logDestination: log.stream });
    expect(service.state).toBe('running');

    giveUp(new Error('the group coordinator refused us for good'));
    const failure = await service.failure;

    expect(failure.message).toBe('consumer failed: the group coordinator refused us for good');
    expect(service.state).toBe('failed');
    expect(stopped).toEqual(['consumer', 'publisher']);
    expect(log.lines().find((line) => line['msg'] === 'component failed for good; stopping the service')).toMatchObject(
      { component: 'consumer' },
    );
  });
});

describe('a component that fails for good and then cannot stop', () => {
  it('still reports the failure once the shutdown deadline passed', async () => {
    const env = { PORT: String(await freePort()), WEBHOOK_SECRET: 's3cr3t-value', SHUTDOWN_TIMEOUT_MS: '200' };
    const hung: ServiceDefinition<typeof secretConfig> = {
      name: 'secret-keeper',
      configSchema: secretConfig,
      build: () => ({
        components: [
          {
            name: 'stuck',
            start: () => Promise.resolve(),
            stop: () => stuck,
            failed: Promise.resolve(new Error('gave up')),
          },
        ],
        readiness: [],
      }),
    };
    let unstick!: () => void;
    const stuck = new Promise<void>((resolve) => (unstick = resolve));
    const service = await startService(hung, env, { logDestination: captureLog().stream });
    const failure = await service.failure;
    expect(failure.message).toBe('stuck failed: gave up (and stopping did not finish within 200 ms)');
    expect(service.state).toBe('failed');
    // Let the stop finish, so the ops server closes and the test leaves nothing open.
    unstick();
    await service.stop();
  });
});

describe('@flowline/service-runtime', () => {
  // Telemetry can instrument express only if nothing loaded it before runService started
  // telemetry; Jest has its own module registry, so this looks from a real Node process.
  it('loads no instrumented module (express, pg, mongodb, amqplib) when imported', async () => {
    const script = `
      require(${JSON.stringify(join(__dirname, 'index.ts'))});
      const loaded = Object.keys(require.cache).filter((path) => /node_modules\\/(express|pg|mongodb|amqplib)\\//.test(path));
      console.log(JSON.stringify(loaded));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=flowline-source', '--import', 'tsx', '-e', script],
      {
        cwd: REPO_ROOT,
      },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? 'null')).toEqual([]);
  }, 30_000);
});
