/**
 * One HTTP attempt of an outbound webhook: resolve the host, check every address it resolves
 * to against the address policy (webhook-address-policy.ts), then POST to the checked address
 * itself — the Host header and TLS name stay the URL's host, so certificates are verified as
 * usual, and a second DNS answer (rebinding) is never asked for. Redirects are not followed;
 * the whole attempt (connect, send, answer, body) has one deadline.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { NOTIFICATION_CONTENT_TYPE } from './notification-message';
import { isAddressAllowed, classifyAddress, type AllowableNetwork } from './webhook-address-policy';
import { outcomeOfResponse, type AttemptOutcome } from './webhook-outcome';

export interface WebhookRequest {
  url: string;
  body: Buffer;
  /** The signature headers and any other header of the delivery. */
  headers: Record<string, string>;
}

export type HostResolver = (host: string) => Promise<string[]>;

export interface WebhookSenderOptions {
  timeoutMs: number;
  allowedNetworks: ReadonlySet<AllowableNetwork>;
  /** DNS by default (every address, as the system resolver orders them). */
  resolve?: HostResolver;
  /** Most connections kept open per receiver address. */
  maxSocketsPerHost?: number;
}

/** How much of a receiver's answer is read: enough for an error message, never a whole download. */
const MAX_BODY_BYTES = 64 * 1024;

export class WebhookSender {
  private readonly resolve: HostResolver;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(private readonly options: WebhookSenderOptions) {
    this.resolve =
      options.resolve ??
      (async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address));
    const agentOptions = { keepAlive: true, maxSockets: options.maxSocketsPerHost ?? 32 };
    this.agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  }

  async send(request: WebhookRequest, now: () => Date = () => new Date()): Promise<AttemptOutcome> {
    const url = new URL(request.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(host) === 0 ? await this.resolve(host) : [host];
    } catch (error) {
      return { kind: 'failed', status: undefined, error: `DNS: ${describe(error)}` };
    }
    const refused = addresses.find((address) => !isAddressAllowed(address, this.options.allowedNetworks));
    if (refused !== undefined || addresses.length === 0) {
      const reason =
        refused === undefined
          ? 'no address'
          : `${refused} is ${classifyAddress(refused)}, not allowed (NOTIFY_WEBHOOK_ALLOWED_NETWORKS)`;
      return { kind: 'failed', status: undefined, error: `address refused: ${host} → ${reason}`, refused: true };
    }
    try {
      const { status, retryAfter } = await this.post(url, addresses[0] as string, host, request);
      return outcomeOfResponse(status, retryAfter, now());
    } catch (error) {
      return { kind: 'failed', status: undefined, error: describe(error) };
    }
  }

  stop(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private post(
    url: URL,
    address: string,
    host: string,
    request: WebhookRequest,
  ): Promise<{ status: number; retryAfter: string | undefined }> {
    const secure = url.protocol === 'https:';
    const client = secure ? https : http;
    return new Promise((resolve, reject) => {
      const outgoing = client.request(
        {
          method: 'POST',
          host: address,
          port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
          path: `${url.pathname}${url.search}`,
          agent: secure ? this.agents.https : this.agents.http,
          // The certificate is checked against the URL's host, not the address.
          ...(secure && isIP(host) === 0 ? { servername: host } : {}),
          headers: {
            host: url.host,
            'content-type': NOTIFICATION_CONTENT_TYPE,
            'content-length': String(request.body.length),
            'user-agent': 'flowline-notifier',
            ...request.headers,
          },
          signal: AbortSignal.timeout(this.options.timeoutMs),
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_BODY_BYTES) response.destroy();
          });
          const done = () =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfter: headerText(response.headers['retry-after']),
            });
          response.on('end', done);
          response.on('close', done);
          response.on('error', () => done());
        },
      );
      outgoing.on('error', (error) =>
        reject(error.name === 'AbortError' ? new Error(`timeout after ${this.options.timeoutMs} ms`) : error),
      );
      outgoing.end(request.body);
    });
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
