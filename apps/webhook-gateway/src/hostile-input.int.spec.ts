/**
 * Hostile input against the gateway's real HTTP server (issue 18), with the real broker and
 * database behind it: random bodies and headers, invalid UTF-8, deep JSON, header floods, a
 * 100 MB body, slow clients, malformed CloudEvents. The answer is always a 4xx with a reason
 * (or a 202 for a body that is a fine webhook after all), never a 5xx, and the server still
 * answers afterwards. Secrets sent with a refused request appear in no log line.
 */
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { topicNames } from '@flowline/event-schemas';
import {
  createScratchDatabase,
  ScratchDatabase,
  startServiceUnderTest,
  ServiceUnderTest,
  testInfra,
  waitFor,
} from '@flowline/testing';
import { writeGatewayConfig } from './test-fixtures/gateway-config';
import { webhookGateway } from './service';

const GITHUB_SECRET = 'github-secret-never-logged';
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const MAX_BODY_BYTES = 1_000_000;
const BODY_BUDGET_BYTES = 1_500_000;

describe('webhook-gateway under hostile input (real HTTP server, broker and database)', () => {
  let database: ScratchDatabase;
  let running: ServiceUnderTest;
  let port: number;

  beforeAll(async () => {
    database = await createScratchDatabase(testInfra().DATABASE_URL, 'gateway_hostile');
    const configFile = await writeGatewayConfig({ github: GITHUB_SECRET }, (secretFile) => [
      { name: 'open', scheme: 'none', allowUnsigned: true, rateLimit: { perMinute: 100_000 } },
      { name: 'github', scheme: 'github', secrets: [secretFile('github')], eventType: { header: 'X-GitHub-Event' } },
    ]);
    running = await startServiceUnderTest(webhookGateway, {
      env: {
        FLOWLINE_CONFIG_FILE: configFile,
        DATABASE_URL: database.url,
        WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        WEBHOOK_MAX_INFLIGHT_BODY_BYTES: String(BODY_BUDGET_BYTES),
      },
      outputs: (prefix) => [topicNames(prefix).ingressWebhook],
    });
    port = running.service.port;
  });
  // The topic probe's consumer takes a few seconds to leave its group.
  afterAll(async () => {
    await running?.stop();
    await database?.drop();
  }, 30_000);

  afterEach(async () => {
    // Whatever the test threw at it, the server still answers.
    expect((await fetch(running.url('/healthz'))).status).toBe(200);
  });

  const post = (body: Uint8Array | string, headers: Record<string, string> = {}) =>
    fetch(running.url('/webhooks/open'), { method: 'POST', headers, body });

  /** A 4xx problem document with a reason, or a 202 with an event id: never a 5xx. */
  async function expectClearAnswer(response: Response): Promise<void> {
    const body = (await response.json()) as Record<string, unknown>;
    if (response.status === 202) {
      expect(typeof body['id']).toBe('string');
      return;
    }
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(body).toMatchObject({ status: response.status, error: expect.any(String), detail: expect.any(String) });
  }

  it('answers random bytes, under any content type, with a 4xx and its reason or a 202', async () => {
    const contentType = fc.constantFrom('application/json', 'application/cloudevents+json', 'text/plain', '');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), contentType, async (bytes, type) => {
        await expectClearAnswer(await post(bytes, type === '' ? {} : { 'content-type': type }));
      }),
      { numRuns: 25 },
    );
  });

  it('refuses JSON with invalid UTF-8 and JSON nested 100k levels deep, each with its reason', async () => {
    const invalid = await post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), {
      'content-type': 'application/json',
    });
    expect([invalid.status, ((await invalid.json()) as { detail: string }).detail]).toEqual([
      400,
      'body is not valid UTF-8: JSON must be sent as UTF-8',
    ]);
    const deep = await post('['.repeat(100_000) + ']'.repeat(100_000), { 'content-type': 'application/json' });
    expect([deep.status, ((await deep.json()) as { detail: string }).detail]).toEqual([
      400,
      'body nests JSON deeper than 256 levels',
    ]);
  });

  it('answers 431 to thousands of headers and to a 100 kB header value', async () => {
    const many = Array.from({ length: 5_000 }, (_, i) => `x-flood-${i}: ${'v'.repeat(20)}`).join('\r\n');
    expect(
      await rawExchange(`POST /webhooks/open HTTP/1.1\r\nhost: x\r\n${many}\r\ncontent-length: 2\r\n\r\n{}`),
    ).toMatch(/^HTTP\/1\.1 431 /);
    const long = `x-long: ${'v'.repeat(100_000)}`;
    expect(
      await rawExchange(`POST /webhooks/open HTTP/1.1\r\nhost: x\r\n${long}\r\ncontent-length: 2\r\n\r\n{}`),
    ).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('refuses a declared 100 MB body with 413 before reading any of it', async () => {
    const answer = await rawExchange(
      `POST /webhooks/open HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${100 * 2 ** 20}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('BODY_TOO_LARGE');
  });

  it('refuses a chunked 100 MB body with 413 once it passes the limit, without taking in the rest', async () => {
    const socket = await openSocket();
    const answer = collect(socket);
    socket.write(
      'POST /webhooks/open HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
    );
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    let sent = 0;
    // Send until the gateway answers (or closes): the whole 100 MB would be 1600 frames.
    while (sent < 100 * 2 ** 20 && answer.text() === '' && !socket.destroyed) {
      if (!socket.write(frame)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      sent += chunk.length;
    }
    await waitFor(() => answer.text().length > 0 || answer.closed(), { timeoutMs: 10_000, description: 'an answer' });
    socket.destroy();
    expect(answer.text()).toMatch(/^HTTP\/1\.1 413 /);
    // What the client got onto the wire before the refusal: the limit plus socket buffers, not 100 MB.
    expect(sent).toBeLessThan(20 * 2 ** 20);
  });

  it('answers 503 with Retry-After to a body that would pass the bytes held at once, and takes bodies again once they are answered', async () => {
    const head = `POST /webhooks/open HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${MAX_BODY_BYTES}\r\n\r\n`;
    const first = await openSocket();
    const firstAnswer = collect(first);
    first.write(head + '{"a":"' + 'x'.repeat(900_000));
    // The second body passes the budget while the first is still held: refused part-way.
    const second = await openSocket();
    const secondAnswer = collect(second);
    second.write(head);
    const chunk = 'x'.repeat(64 * 1024);
    for (let sent = 0; sent < MAX_BODY_BYTES && secondAnswer.text() === '' && !second.destroyed; sent += chunk.length) {
      if (!second.write(chunk)) await new Promise((resolve) => second.once('drain', resolve).once('close', resolve));
    }
    await waitFor(() => secondAnswer.text().includes('\r\n\r\n'), { timeoutMs: 10_000, description: 'the 503' });
    expect(secondAnswer.text()).toMatch(/^HTTP\/1\.1 503 [^]*Retry-After: 1[^]*"error":"OVERLOADED"/);
    second.destroy();
    // The first completes and is accepted; after both answers, full bodies are taken again.
    first.write('x'.repeat(MAX_BODY_BYTES - 900_000 - 8) + '"}');
    await waitFor(() => firstAnswer.text().includes('\r\n\r\n'), { timeoutMs: 10_000, description: 'the 202' });
    expect(firstAnswer.text()).toMatch(/^HTTP\/1\.1 202 /);
    first.destroy();
    const full = JSON.stringify({ a: 'x'.repeat(MAX_BODY_BYTES - 10) });
    await waitFor(async () => (await post(full, { 'content-type': 'application/json' })).status === 202, {
      timeoutMs: 10_000,
      description: 'a full body accepted once the held bodies were answered',
    });
  });

  it('closes a connection that sends its headers one byte a second (slowloris)', async () => {
    const socket = await openSocket();
    const answer = collect(socket);
    const request = 'POST /webhooks/open HTTP/1.1\r\nhost: x\r\nx-slow: ' + 'a'.repeat(100);
    let next = 0;
    const drip = setInterval(() => {
      if (!socket.destroyed && next < request.length) socket.write(request[next++] as string);
    }, 1_000);
    try {
      await waitFor(() => answer.closed(), { timeoutMs: 15_000, description: 'the slow connection closed' });
    } finally {
      clearInterval(drip);
    }
    expect(next).toBeLessThan(request.length);
    expect(answer.text()).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('closes a connection whose body arrives one byte a second', async () => {
    const socket = await openSocket();
    const answer = collect(socket);
    socket.write(
      'POST /webhooks/open HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n',
    );
    const drip = setInterval(() => socket.destroyed || socket.write(' '), 1_000);
    try {
      await waitFor(() => answer.closed(), { timeoutMs: 15_000, description: 'the slow connection closed' });
    } finally {
      clearInterval(drip);
    }
    expect(answer.text()).not.toMatch(/^HTTP\/1\.1 [25]/);
  });

  it('never takes a CloudEvent attribute from the caller: malformed ce- headers and structured bodies become webhook payloads or 4xx', async () => {
    const junk = fc.oneof(fc.string({ maxLength: 64 }), fc.constant(''), fc.constant('x'.repeat(2_000)));
    const attributes = fc.record({
      id: junk,
      specversion: fc.oneof(junk, fc.constant('0.3'), fc.constant('2.0')),
      type: junk,
      source: junk,
      time: fc.oneof(junk, fc.constant('not a time'), fc.constant('2026-13-45T99:99:99Z')),
      extension: fc.string({ minLength: 1, maxLength: 1_000 }),
    });
    await fc.assert(
      fc.asyncProperty(attributes, fc.boolean(), async (ce, structured) => {
        const headerSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, '?');
        const response = structured
          ? await post(
              JSON.stringify({
                specversion: 1,
                id: ce.id === '' ? null : ce.id,
                type: 42,
                source: ce.source,
                time: ce.time,
                [ce.extension]: { nested: true },
                data: ce.type,
              }),
              { 'content-type': 'application/cloudevents+json' },
            )
          : await post('{}', {
              'content-type': 'application/json',
              'ce-id': headerSafe(ce.id),
              'ce-specversion': headerSafe(ce.specversion),
              'ce-type': headerSafe(ce.type),
              'ce-source': headerSafe(ce.source),
              'ce-time': headerSafe(ce.time),
              [`ce-${'x'.repeat(200)}`]: headerSafe(ce.extension),
            });
        await expectClearAnswer(response.clone());
        if (response.status !== 202) return;
        const { id } = (await response.json()) as { id: string };
        const { event } = await running.probe!.waitFor((m) => m.event?.id === id);
        expect(event).toMatchObject({ type: 'webhook.received', source: '/webhook-gateway/open', specversion: '1.0' });
      }),
      { numRuns: 15 },
    );
  });

  it('keeps the signature, the secret and the authorization and cookie headers of a refused request out of every log line', async () => {
    const signature = `sha256=${'ab'.repeat(32)}`;
    const secrets = [signature, 'Bearer token-never-logged', 'session=cookie-never-logged', GITHUB_SECRET];
    const response = await fetch(running.url('/webhooks/github'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': signature,
        authorization: 'Bearer token-never-logged',
        cookie: 'session=cookie-never-logged',
      },
      body: '{"ref":"main"}',
    });
    expect(response.status).toBe(401);
    await running.waitForLog((line) => line['msg'] === 'webhook refused' && line['status'] === 401);
    const logged = JSON.stringify(running.logs());
    for (const secret of secrets) expect(logged).not.toContain(secret);
  });

  /** Writes a raw request and returns everything the server sent until it closed or went quiet. */
  async function rawExchange(request: string): Promise<string> {
    const socket = await openSocket();
    const answer = collect(socket);
    socket.write(request);
    await waitFor(() => /\r\n\r\n/.test(answer.text()) || answer.closed(), {
      timeoutMs: 10_000,
      description: 'an answer',
    });
    socket.destroy();
    return answer.text();
  }

  function openSocket(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    });
  }
});

/** What a socket received so far, and whether the server closed it. */
function collect(socket: Socket): { text(): string; closed(): boolean } {
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  // The server may reset a connection it refused while the client still writes.
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  return { text: () => text, closed: () => closed };
}
