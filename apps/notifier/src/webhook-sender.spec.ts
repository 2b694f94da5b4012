/**
 * The sender against a local HTTP server (no broker, no database): where it connects, what it
 * refuses, and how an answer or a silence becomes an outcome.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookSender } from './webhook-sender';

let server: Server;
let port: number;
const seen: { host: string | undefined; url: string | undefined; body: string }[] = [];
let answer: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => response.end('ok');

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ host: request.headers.host, url: request.url, body: Buffer.concat(chunks).toString() });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(() => {
  seen.splice(0);
  answer = (_request, response) => response.end('ok');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const loopback = new Set(['loopback'] as const);
const request = (url: string) => ({ url, body: Buffer.from('{"id":"e1"}'), headers: { 'webhook-id': 'e1' } });

describe('webhook sender', () => {
  it('connects to the address it resolved and checked, keeping the URL host in the Host header', async () => {
    const resolved: string[] = [];
    // `receiver.test` exists in no DNS: the request can only reach the server through the checked address.
    const sender = new WebhookSender({
      timeoutMs: 5_000,
      allowedNetworks: loopback,
      resolve: (host) => {
        resolved.push(host);
        return Promise.resolve(['127.0.0.1']);
      },
    });
    try {
      const outcome = await sender.send(request(`http://receiver.test:${port}/hooks/a?x=1`));
      expect(outcome).toEqual({ kind: 'delivered', status: 200 });
      expect(resolved).toEqual(['receiver.test']);
      expect(seen).toEqual([{ host: `receiver.test:${port}`, url: '/hooks/a?x=1', body: '{"id":"e1"}' }]);
    } finally {
      sender.stop();
    }
  });

  it('refuses a host when any address it resolves to is not allowed, and sends nothing', async () => {
    const sender = new WebhookSender({
      timeoutMs: 5_000,
      allowedNetworks: new Set(),
      resolve: () => Promise.resolve(['93.184.215.14', '169.254.169.254']),
    });
    try {
      expect(await sender.send(request(`http://metadata.test:${port}/`))).toEqual({
        kind: 'failed',
        status: undefined,
        error:
          'address refused: metadata.test → 169.254.169.254 is link-local, not allowed (NOTIFY_WEBHOOK_ALLOWED_NETWORKS)',
        refused: true,
      });
      expect(await sender.send(request(`http://[::ffff:127.0.0.1]:${port}/`))).toMatchObject({
        kind: 'failed',
        error:
          'address refused: ::ffff:7f00:1 → ::ffff:7f00:1 is loopback, not allowed (NOTIFY_WEBHOOK_ALLOWED_NETWORKS)',
      });
      expect(seen).toHaveLength(0);
    } finally {
      sender.stop();
    }
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    answer = (_request, response) => {
      response.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` });
      response.end();
    };
    const sender = new WebhookSender({ timeoutMs: 5_000, allowedNetworks: loopback });
    try {
      expect(await sender.send(request(`http://127.0.0.1:${port}/hooks`))).toEqual({
        kind: 'failed',
        status: 302,
        error: 'HTTP 302 (redirects are not followed)',
      });
      expect(seen.map((entry) => entry.url)).toEqual(['/hooks']);
    } finally {
      sender.stop();
    }
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    answer = () => undefined; // never answers
    const sender = new WebhookSender({ timeoutMs: 300, allowedNetworks: loopback });
    try {
      expect(await sender.send(request(`http://127.0.0.1:${port}/slow`))).toEqual({
        kind: 'failed',
        status: undefined,
        error: 'timeout after 300 ms',
      });
    } finally {
      sender.stop();
    }
  });

  it('reports a refused connection and a name that does not resolve as failed attempts', async () => {
    const sender = new WebhookSender({
      timeoutMs: 5_000,
      allowedNetworks: loopback,
      resolve: () =>
        Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' })),
    });
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const free = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    try {
      expect(await sender.send(request('http://nowhere.test/'))).toEqual({
        kind: 'failed',
        status: undefined,
        error: 'DNS: getaddrinfo ENOTFOUND nowhere.test',
      });
      expect(await sender.send(request(`http://127.0.0.1:${closed}/`))).toMatchObject({
        kind: 'failed',
        status: undefined,
        error: expect.stringMatching(/ECONNREFUSED/) as unknown,
      });
    } finally {
      sender.stop();
    }
  });
});
