/**
 * One lifecycle for every Flowline service: starting → running → draining → stopped
 * (or failed). Config is validated before anything starts; SIGTERM/SIGINT stop the
 * components in reverse order (consumers finish the message in hand and commit) within
 * SHUTDOWN_TIMEOUT_MS, then the process exits 0; SIGHUP reloads the components that can
 * (`Component.reload`, e.g. the router's rule file). A failed start, a component that failed
 * for good while running (a consumer kafkajs gave up on), or a shutdown past its deadline
 * exits 1, never 0, so an orchestrator sees the failure and restarts the service.
 *
 * Load order: OpenTelemetry patches express, pg, mongodb and amqplib only if they are
 * required after telemetry started. So this module loads nothing instrumented at the top:
 * the ops server (express) is required inside `startService`, after `startTelemetry`, and
 * `runService` takes a function that loads the service definition (and everything it
 * imports) once telemetry runs.
 */
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { z } from 'zod';
import {
  createLogger,
  createServiceMetrics,
  Logger,
  LoggerOptions,
  maskSecretsInText,
  redactSecrets,
  ServiceMetrics,
  startTelemetry,
  Telemetry,
  TelemetryOptions,
} from '@flowline/telemetry';
import { baseServiceConfig, BaseServiceConfig, ConfigError, loadConfig } from './config';
import type { HttpTimeouts, ReadinessCheck } from './ops-server';

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Settles when the component stopped working for good while running (it will not recover
   * by itself): the service then stops everything and exits 1 instead of idling, alive but
   * doing nothing.
   */
  readonly failed?: Promise<Error>;
  /**
   * Re-reads the component's own configuration (a rule file) without a restart; called on
   * SIGHUP. Must not throw: a bad new configuration is logged and the old one kept.
   */
  reload?(): Promise<void>;
}

export interface ServiceContext<C> {
  config: C;
  logger: Logger;
  metrics: ServiceMetrics;
  /** The service's HTTP app (ops endpoints already mounted); add API routes here. */
  http: Express;
}

export interface ServiceParts {
  /** Started in order, stopped in reverse. */
  components: readonly Component[];
  readiness: readonly ReadinessCheck[];
}

export interface ServiceDefinition<S extends z.ZodObject> {
  name: string;
  configSchema: S;
  build(context: ServiceContext<z.infer<S>>): ServiceParts | Promise<ServiceParts>;
  /** Timeouts for the HTTP server of a service that takes outside traffic (Node's defaults otherwise). */
  httpTimeouts?(config: z.infer<S>): HttpTimeouts;
}

export type ServiceState = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

export interface RunningService {
  readonly state: ServiceState;
  readonly port: number;
  /** How long a stop may take before the process gives up on a clean exit (SHUTDOWN_TIMEOUT_MS). */
  readonly shutdownTimeoutMs: number;
  /** Drains and stops everything; resolves when the service has stopped. */
  stop(): Promise<void>;
  /** Settles, after everything was stopped, when a component failed for good while running. */
  readonly failure: Promise<Error>;
  /** Reloads every component that can (what SIGHUP does); undefined when none can. */
  readonly reload: (() => Promise<void>) | undefined;
}

/**
 * Process warnings become JSON log lines like everything else on stdout. (kafkajs's
 * harmless negative-timer warning is dropped where the Kafka client is made, libs/messaging.)
 */
function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    logger.warn({ warning: warning.name, detail: warning.message }, 'process warning');
  });
}

export interface StartServiceOptions {
  /** Where log lines go instead of stdout (tests capture them). */
  logDestination?: LoggerOptions['destination'];
  /** An extra span exporter, e.g. an InMemorySpanExporter in a test. */
  spanExporter?: TelemetryOptions['spanExporter'];
}

/** Loads the ops server only when called: requiring it loads express (see the top of this file). */
function loadOpsServer(): typeof import('./ops-server') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately late, after startTelemetry
  return require('./ops-server') as typeof import('./ops-server');
}

/** Builds and starts a service in this process (what `runService` and in-process tests call). */
export async function startService<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  env: NodeJS.ProcessEnv = process.env,
  options: StartServiceOptions = {},
): Promise<RunningService> {
  const config = loadConfig(definition.configSchema, env) as z.infer<S> & BaseServiceConfig;
  const telemetry: Telemetry = startTelemetry({
    service: definition.name,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    spanExporter: options.spanExporter,
  });
  const logger = createLogger({
    service: definition.name,
    level: config.LOG_LEVEL,
    destination: options.logDestination,
  });
  // Secret-named keys are replaced and URL passwords masked: the log says what is set, not the secret.
  logger.info({ config: redactSecrets(config) }, 'config loaded');
  routeProcessWarnings(logger);
  const metrics = createServiceMetrics(definition.name);
  const { answerTheRestAsJson, closeServer, createOpsApp, listen } = loadOpsServer();
  let state: ServiceState = 'starting';
  let parts: ServiceParts = { components: [], readiness: [] };
  const http = createOpsApp({
    port: config.PORT,
    logger,
    metrics,
    readiness: () => parts.readiness,
    isDraining: () => state !== 'running',
  });
  // Until every component has started, the service's own routes (mounted by build, below) answer
  // 503 with Retry-After, not 404 for a route not mounted yet: a webhook sender retries a 503,
  // where a 404 may make it give up. The ops endpoints, mounted before, answer as always.
  http.use((_request, response, next) => {
    if (state !== 'starting') {
      next();
      return;
    }
    response
      .status(503)
      .set('Retry-After', '1')
      .json({ error: `${definition.name} is starting` });
  });

  const started: Component[] = [];
  let server: Server | undefined;
  const stopAll = async (): Promise<void> => {
    for (const component of [...started].reverse()) {
      try {
        await component.stop();
        logger.info({ component: component.name }, 'stopped');
      } catch (error) {
        logger.error({ err: error, component: component.name }, 'stop failed');
      }
    }
    if (server !== undefined) await closeServer(server);
    await telemetry.shutdown();
  };

  try {
    // Listen first: /healthz answers "process up" while dependencies are still being
    // reached, and /readyz says 503 until every component has started.
    server = await listen(http, config.PORT, definition.httpTimeouts?.(config));
    parts = await definition.build({ config, logger, metrics, http });
    answerTheRestAsJson(http, logger);
    for (const component of parts.components) {
      await component.start();
      started.push(component);
      logger.info({ component: component.name }, 'started');
    }
  } catch (error) {
    state = 'failed';
    logger.error({ err: error }, 'start failed');
    await stopAll();
    throw error;
  }
  state = 'running';
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
  logger.info({ port }, `${definition.name} running`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      state = 'draining';
      logger.info('draining');
      await stopAll();
      state = 'stopped';
      logger.info('stopped');
      logger.flush();
    })();
    return stopping;
  };
  const failure = new Promise<Error>((reportFailure) => {
    for (const component of started) {
      void component.failed?.then(async (error) => {
        if (stopping !== undefined) return;
        logger.fatal({ err: error, component: component.name }, 'component failed for good; stopping the service');
        const failure = new Error(`${component.name} failed: ${error.message}`, { cause: error });
        // Bounded like a SIGTERM drain: a stop that hangs must not keep a useless process alive.
        const deadline = setTimeout(() => {
          state = 'failed';
          reportFailure(
            new Error(`${failure.message} (and stopping did not finish within ${config.SHUTDOWN_TIMEOUT_MS} ms)`, {
              cause: error,
            }),
          );
        }, config.SHUTDOWN_TIMEOUT_MS);
        deadline.unref();
        await stop();
        clearTimeout(deadline);
        state = 'failed';
        reportFailure(failure);
      });
    }
  });
  const reloadable = started.filter((component) => component.reload !== undefined);
  const reload = async (): Promise<void> => {
    for (const component of reloadable) {
      logger.info({ component: component.name }, 'reloading');
      await component.reload?.().catch((error: unknown) => {
        logger.error({ err: error, component: component.name }, 'reload failed');
      });
    }
  };
  return {
    get state() {
      return state;
    },
    port,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    stop,
    failure,
    reload: reloadable.length === 0 ? undefined : reload,
  };
}

/**
 * The OTLP endpoint, read before the definition (and its config schema) is loaded. A bad
 * config is not reported here but by startService, with every other bad key at once.
 */
function configuredOtlpEndpoint(): string | undefined {
  try {
    return loadConfig(baseServiceConfig.pick({ OTEL_EXPORTER_OTLP_ENDPOINT: true })).OTEL_EXPORTER_OTLP_ENDPOINT;
  } catch {
    return undefined;
  }
}

/** Loads a service definition; `main.ts` passes `() => import('./service.js').then(({ router }) => router)`. */
export type ServiceLoader<S extends z.ZodObject> = () => ServiceDefinition<S> | Promise<ServiceDefinition<S>>;

/**
 * The process entry: start telemetry, load the definition, start, then stop on
 * SIGTERM/SIGINT within the deadline. Exits non-zero on a bad config (one message naming
 * the key), a failed start, or a stop that overran its deadline.
 *
 * `name` is the service's name for telemetry, known before the definition loads; it must
 * equal the definition's `name`. The definition is loaded only after telemetry started, so
 * the modules it imports (express, pg, mongodb, amqplib) are instrumented.
 */
export function runService<S extends z.ZodObject>(name: string, load: ServiceLoader<S>): void {
  const fail = (message: string, error?: unknown): never => {
    const stack = error instanceof Error && !(error instanceof ConfigError) ? `\n${error.stack ?? ''}` : '';
    process.stderr.write(maskSecretsInText(`${name}: ${message}${stack}\n`));
    process.exit(1);
  };
  process.on('uncaughtException', (error) => fail('uncaught exception', error));
  process.on('unhandledRejection', (error) => fail('unhandled promise rejection', error));

  const telemetry = startTelemetry({ service: name, otlpEndpoint: configuredOtlpEndpoint() });

  const starting = Promise.resolve()
    .then(load)
    .then((definition) => {
      if (definition.name !== name)
        throw new Error(`runService was given the name "${name}" but the definition is named "${definition.name}"`);
      return startService(definition);
    });
  starting.then(
    (service) => {
      // SIGHUP reloads only where a component can: elsewhere it keeps its default (terminate).
      const { reload } = service;
      if (reload !== undefined) process.on('SIGHUP', () => void reload());
      return service.failure.then((error) => telemetry.shutdown().finally(() => fail(error.message, error)));
    },
    (error: unknown) =>
      fail(error instanceof ConfigError ? error.message : `start failed: ${(error as Error).message}`, error),
  );
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    // A terminal's Ctrl-C and a supervisor's SIGTERM may both arrive: the first starts the
    // drain, later ones must not fall through to the default action and kill the process.
    if (shuttingDown) return;
    shuttingDown = true;
    starting
      .then((service) => {
        const deadline = setTimeout(
          () => fail(`${signal}: shutdown did not finish within ${service.shutdownTimeoutMs} ms`),
          service.shutdownTimeoutMs,
        );
        deadline.unref();
        return service.stop();
      })
      // Flush the spans of the last moments before the process exits.
      .then(() => telemetry.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => fail('shutdown failed', error),
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
