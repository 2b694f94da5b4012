/**
 * Publishes notifications to a RabbitMQ topic exchange over a confirm channel. `publish`
 * resolves only once the broker confirmed the message (for a persistent message routed to
 * durable queues: once they stored it), so the notifier's handler returns, and the Kafka
 * offset is committed, only after the confirm. Delivery is at-least-once: a confirm lost with
 * the connection makes the event be published again, with the same messageId.
 *
 * Connection loss: amqplib's connection recovery reconnects with a bounded, jittered backoff
 * (up to AMQP_RECONNECT_MAX_DELAY_MS). While disconnected, `publish` fails at once with a
 * RetryableError (the consumer runtime retries the event later, its partition paused) and
 * readiness reports RabbitMQ down. A channel the broker closed (a 404 because the exchange was
 * deleted) fails the publishes on it; the next publish opens a fresh channel.
 *
 * The exchange is declared once, at start, not again on a reconnect or a new channel: if it
 * was deleted while running, its bindings went with it, and declaring it again would have the
 * broker confirm messages no queue receives. Publishes fail, are retried and at last
 * dead-lettered until the exchange (and its bindings) are back.
 */
import { connect, type ConfirmChannel, type RecoveringChannelModel } from 'amqplib';
import { DependencyUnavailable, NonRetryableError, RetryableError } from '@flowline/messaging';
import { type Component, type ReadinessCheck, withTimeout } from '@flowline/service-runtime';
import { injectTraceHeaders, type Logger, maskSecretsInText } from '@flowline/telemetry';
import type { NotificationMessage } from './notification-message';
import type { NotificationMetrics } from './notification-metrics';

export interface RabbitMqPublisherOptions {
  /** amqp(s)://user:password@host:port/vhost */
  url: string;
  exchange: string;
  confirmTimeoutMs: number;
  reconnectMaxDelayMs: number;
  logger: Logger;
  metrics: NotificationMetrics;
}

/** Asked of the broker unless the URL says otherwise: a dead peer is noticed within two beats. */
const HEARTBEAT_SECONDS = 15;
/** A TCP connect or AMQP handshake that hangs (a black-holed address) fails after this. */
const CONNECT_TIMEOUT_MS = 10_000;
const RECONNECT_INITIAL_DELAY_MS = 200;

/**
 * Delay before reconnection attempt `attempt` (≥ 1): exponential, capped at `maxDelayMs`,
 * with "equal jitter" (half fixed, half random), so many notifiers do not reconnect in
 * lock-step and none reconnects in a tight loop.
 */
export function reconnectDelayMs(attempt: number, maxDelayMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxDelayMs, RECONNECT_INITIAL_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (cap / 2) * random());
}

/** The URL with a heartbeat interval, unless it names one. */
function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(HEARTBEAT_SECONDS));
  return parsed.toString();
}

function describe(error: unknown): string {
  return maskSecretsInText(error instanceof Error ? error.message : String(error));
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export class RabbitMqPublisher implements Component {
  readonly name = 'rabbitmq-publisher';
  private state: State = 'idle';
  private connection: RecoveringChannelModel | undefined;
  private connected = false;
  private connections = 0;
  /** Why the connection is down, for readiness and the errors handlers see. */
  private lastProblem = 'not connected yet';
  private blockedReason: string | undefined;
  /** The channel publishes go to; opened on first use and again after the broker closed it. */
  private channel: Promise<ConfirmChannel> | undefined;
  /** Publishes waiting for their confirm: stop() lets them settle before closing. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Why the broker closed a channel (amqplib fails its unconfirmed publishes with just "channel closed"). */
  private readonly closedBecause = new WeakMap<ConfirmChannel, Error>();

  constructor(private readonly options: RabbitMqPublisherOptions) {}

  async start(): Promise<void> {
    this.state = 'starting';
    const { logger, metrics } = this.options;
    const connection = await connect(withHeartbeat(this.options.url), {
      timeout: CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: 'flowline-notifier' },
      recovery: {
        // Listeners go on before the first attempt; start() then waits for it below.
        waitForConnect: false,
        maxRetries: Infinity,
        calculateDelay: (attempt) => reconnectDelayMs(attempt, this.options.reconnectMaxDelayMs),
      },
    });
    this.connection = connection;
    connection.on('connect', () => {
      this.connected = true;
      this.connections += 1;
      metrics.connected.set(1);
      if (this.connections > 1) {
        metrics.reconnects.inc();
        logger.info({ exchange: this.options.exchange }, 'reconnected to RabbitMQ');
      }
    });
    connection.on('disconnect', (error: Error) => {
      this.connected = false;
      this.channel = undefined;
      this.lastProblem = `connection lost: ${describe(error)}`;
      metrics.connected.set(0);
      logger.warn({ err: error }, 'lost the RabbitMQ connection; reconnecting');
    });
    connection.on('connect-failed', (error: Error) => {
      this.lastProblem = `cannot connect: ${describe(error)}`;
      logger.warn({ err: error }, 'cannot connect to RabbitMQ; retrying');
    });
    connection.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number; delay: number }) => {
      logger.debug({ attempt, delay_ms: delay }, 'RabbitMQ reconnection scheduled');
    });
    connection.on('blocked', (reason: string) => {
      this.blockedReason = reason;
      logger.warn({ reason }, 'RabbitMQ blocked publishing (a resource alarm)');
    });
    connection.on('unblocked', () => {
      this.blockedReason = undefined;
      logger.info('RabbitMQ unblocked publishing');
    });
    // Without a listener an 'error' event would be thrown; the recovery handles what follows.
    connection.on('error', (error: Error) => logger.warn({ err: error }, 'RabbitMQ connection error'));

    // Start waits for RabbitMQ like the consumers wait for Kafka: /healthz answers meanwhile,
    // /readyz says why not ready, and no event is taken from Kafka before it can be announced.
    await connection.waitForConnect();
    const channel = await this.currentChannel();
    await channel.assertExchange(this.options.exchange, 'topic', { durable: true });
    logger.info({ exchange: this.options.exchange }, 'RabbitMQ exchange declared');
    this.state = 'running';
  }

  /**
   * Publishes one message and resolves once the broker confirmed it. Fails with a
   * RetryableError while disconnected, when the broker rejects (nacks) the message or closes
   * the channel, or when no confirm came within the timeout (the message may still arrive:
   * the retry publishes it again with the same messageId).
   */
  async publish(message: NotificationMessage): Promise<void> {
    if (this.state !== 'running') throw new RetryableError(`the RabbitMQ publisher is ${this.state}`);
    // An outage, not this event's fault: the consumer waits it out without spending attempts.
    if (!this.connected) throw new DependencyUnavailable(`RabbitMQ is not connected (${this.lastProblem})`);
    const started = performance.now();
    const confirmed = this.publishConfirmed(message);
    const settled = confirmed.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    try {
      await withTimeout(
        confirmed,
        this.options.confirmTimeoutMs,
        () => new RetryableError(`RabbitMQ did not confirm within ${this.options.confirmTimeoutMs} ms`),
      );
    } catch (error) {
      if (error instanceof RetryableError || error instanceof NonRetryableError) throw error;
      throw new RetryableError(`RabbitMQ did not take the message: ${describe(error)}`, { cause: error });
    }
    this.options.metrics.confirmSeconds.observe((performance.now() - started) / 1_000);
    this.options.metrics.published.inc({ type: message.options.type });
  }

  private async publishConfirmed(message: NotificationMessage): Promise<void> {
    const channel = await this.currentChannel();
    // The active context is the consumer's `process` span: receivers continue the event's trace.
    // (Where the amqplib instrumentation is loaded, it replaces this with its own publish span's.)
    const headers = injectTraceHeaders({ ...message.options.headers });
    return new Promise<void>((resolve, reject) => {
      try {
        // `false` only asks to wait for 'drain' before writing more; this message is queued
        // and its confirm awaited either way, and each handler has one message in flight.
        channel.publish(
          this.options.exchange,
          message.routingKey,
          message.content,
          { ...message.options, headers },
          (error: unknown) =>
            error === null || error === undefined ? resolve() : reject(this.publishFailure(channel, error)),
        );
      } catch (error) {
        // amqplib refuses a message whose headers do not fit a frame: no retry can fix that.
        if (error instanceof RangeError)
          reject(
            new NonRetryableError(`the message cannot be encoded for RabbitMQ: ${error.message}`, { cause: error }),
          );
        else reject(toError(error));
      }
    });
  }

  /** A failed publish, with the broker's reason when it closed the channel (e.g. 404: no such exchange). */
  private publishFailure(channel: ConfirmChannel, error: unknown): Error {
    const reason = this.closedBecause.get(channel);
    if (reason === undefined) return toError(error);
    return new Error(`${describe(error)}: ${describe(reason)}`, { cause: reason });
  }

  private currentChannel(): Promise<ConfirmChannel> {
    this.channel ??= this.openChannel();
    return this.channel;
  }

  private openChannel(): Promise<ConfirmChannel> {
    const connection = this.connection;
    if (connection === undefined) return Promise.reject(new Error('not started'));
    const opening = connection.createConfirmChannel().then((channel) => {
      channel.on('error', (error: Error) => {
        this.closedBecause.set(channel, error);
        this.options.logger.warn({ err: error }, 'RabbitMQ closed the channel; the next publish opens a new one');
      });
      channel.on('close', () => {
        if (this.channel === opening) this.channel = undefined;
      });
      return channel;
    });
    void opening.catch(() => {
      if (this.channel === opening) this.channel = undefined;
    });
    return opening;
  }

  /** Ready while connected and not blocked by a resource alarm. */
  readiness(): ReadinessCheck {
    return {
      name: 'rabbitmq',
      check: () => {
        if (!this.connected) return Promise.reject(new Error(`RabbitMQ is not connected (${this.lastProblem})`));
        if (this.blockedReason !== undefined)
          return Promise.reject(new Error(`RabbitMQ blocked publishing: ${this.blockedReason}`));
        return Promise.resolve();
      },
    };
  }

  /**
   * Called after the consumer stopped (components stop in reverse order), so no publish
   * starts any more: waits for the confirms still outstanding (bounded by the confirm
   * timeout), then closes the channel and the connection.
   */
  async stop(): Promise<void> {
    this.state = 'stopping';
    if (this.inFlight.size > 0) {
      await withTimeout(
        Promise.all([...this.inFlight]),
        this.options.confirmTimeoutMs,
        'outstanding confirms did not arrive before the stop',
      ).catch((error: unknown) => this.options.logger.warn({ err: error }, 'closing with confirms outstanding'));
    }
    const channel = this.channel;
    this.channel = undefined;
    if (channel !== undefined) await channel.then((open) => open.close()).catch(() => undefined);
    await this.connection?.close();
    this.connected = false;
    this.options.metrics.connected.set(0);
    this.state = 'stopped';
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
