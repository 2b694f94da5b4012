/**
 * Where the fault suite reads the platform's results, as its users would:
 * - ResultsQueue: a durable queue of its own bound to the notifier's exchange, read with acks and
 *   re-read after every RabbitMQ restart (its messages survive one). Each message is recorded
 *   with the time it was first seen.
 * - WebhookReceiver: the endpoint of an outbound subscription, which can be made to answer 500.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import type { ResultMessage, WebhookDelivery } from './ledger';

export class ResultsQueue {
  readonly messages: ResultMessage[] = [];
  private readonly seen = new Set<string>();
  private connection: amqp.ChannelModel | undefined;
  private running = true;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly exchange: string,
    private readonly queue: string,
    private readonly bindings: readonly string[],
  ) {}

  /** Declares exchange, queue and bindings (before the notifier publishes), then keeps reading. */
  async start(): Promise<void> {
    await this.connect();
    this.loop = this.reconnecting();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.connection?.close().catch(() => undefined);
    await this.loop;
  }

  private async connect(): Promise<void> {
    const connection = await amqp.connect(this.url);
    const closed = new Promise<void>((resolve) => {
      connection.on('close', () => resolve());
      connection.on('error', () => undefined);
    });
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.assertExchange(this.exchange, 'topic', { durable: true });
    await channel.assertQueue(this.queue, { durable: true });
    for (const key of this.bindings) await channel.bindQueue(this.queue, this.exchange, key);
    await channel.prefetch(500);
    await channel.consume(this.queue, (message) => {
      if (message === null) return;
      this.record(message);
      channel.ack(message);
    });
    this.connection = connection;
    this.closed = closed;
  }

  private closed: Promise<void> = Promise.resolve();

  private async reconnecting(): Promise<void> {
    while (this.running) {
      await this.closed;
      while (this.running) {
        try {
          await this.connect();
          break;
        } catch {
          await sleep(250);
        }
      }
    }
  }

  private record(message: amqp.ConsumeMessage): void {
    const id = String(message.properties.messageId);
    // A redelivery (same message id) is the same result; its first arrival is what counts.
    const key = `${id} ${message.fields.routingKey}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.messages.push({
      messageId: id,
      type: message.fields.routingKey,
      correlationId: String(message.properties.correlationId),
      at: Date.now(),
    });
  }
}

export class WebhookReceiver {
  readonly deliveries: WebhookDelivery[] = [];
  private failing = false;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const status = this.failing ? 500 : 200;
        this.deliveries.push({ webhookId: String(request.headers['webhook-id']), status, at: Date.now() });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/invoices`;
  }

  fail(on: boolean): void {
    this.failing = on;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}
