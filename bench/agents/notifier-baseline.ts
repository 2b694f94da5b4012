/**
 * The bare baselines of `notifier-throughput.ts`, run as a process of their own (as the
 * notifier is), so neither side shares the bench's event loop with the measuring consumer or
 * receiver. Reads the prepared messages from `BENCH_INPUT` (JSON), sends them all, exits 0.
 *
 * - `BENCH_MODE=rabbitmq`: one amqplib confirm channel; `BENCH_LANES` lanes, each publishing
 *   its share in order and awaiting each confirm before its next publish — the notifier's
 *   batching (one event in hand per partition, three partitions at a time, one channel).
 * - `BENCH_MODE=webhooks`: node:http POSTs (the notifier's sender uses node:http with a
 *   keep-alive agent of 32 sockets) of the same bodies and signature headers,
 *   `BENCH_CONCURRENCY` requests in flight, each answer's body read to its end.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import amqp from 'amqplib';

export interface BaselineAmqpMessage {
  routingKey: string;
  /** base64 */
  content: string;
  options: amqp.Options.Publish;
}

export interface BaselineWebhook {
  /** base64 */
  body: string;
  headers: Record<string, string>;
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required (set by notifier-throughput.ts)`);
  return value;
}

async function publishToRabbitMq(): Promise<void> {
  const messages = (JSON.parse(readFileSync(required('BENCH_INPUT'), 'utf8')) as BaselineAmqpMessage[]).map(
    (message) => ({ ...message, bytes: Buffer.from(message.content, 'base64') }),
  );
  const exchange = required('BENCH_EXCHANGE');
  const lanes = Number(required('BENCH_LANES'));
  const connection = await amqp.connect(required('AMQP_URL'));
  const channel = await connection.createConfirmChannel();
  const publishOne = (message: (typeof messages)[number]): Promise<void> =>
    new Promise((resolve, reject) => {
      channel.publish(exchange, message.routingKey, message.bytes, message.options, (error: unknown) =>
        error === null || error === undefined
          ? resolve()
          : reject(error instanceof Error ? error : new Error('the broker nacked a message')),
      );
    });
  // Lane l takes messages l, l + lanes, …: the bench wrote message i to partition i % 3.
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let index = lane; index < messages.length; index += lanes) await publishOne(messages[index]!);
    }),
  );
  await channel.close();
  await connection.close();
}

async function postWebhooks(): Promise<void> {
  const deliveries = (JSON.parse(readFileSync(required('BENCH_INPUT'), 'utf8')) as BaselineWebhook[]).map(
    (delivery) => ({ ...delivery, bytes: Buffer.from(delivery.body, 'base64') }),
  );
  const url = new URL(required('BENCH_URL'));
  const concurrency = Number(required('BENCH_CONCURRENCY'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const post = (delivery: (typeof deliveries)[number]): Promise<number> =>
    new Promise((resolve, reject) => {
      const request = http.request(
        {
          method: 'POST',
          host: url.hostname,
          port: Number(url.port),
          path: url.pathname,
          agent,
          headers: {
            host: url.host,
            'content-type': 'application/cloudevents+json',
            'content-length': String(delivery.bytes.length),
            'user-agent': 'bench-baseline',
            ...delivery.headers,
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(delivery.bytes);
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) {
        const status = await post(deliveries[next++]!);
        if (status < 200 || status > 299) throw new Error(`the receiver answered ${status}`);
      }
    }),
  );
  agent.destroy();
}

const mode = process.env['BENCH_MODE'];
(mode === 'rabbitmq'
  ? publishToRabbitMq()
  : mode === 'webhooks'
    ? postWebhooks()
    : Promise.reject(new Error(`BENCH_MODE must be rabbitmq or webhooks, got ${String(mode)}`))
).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
