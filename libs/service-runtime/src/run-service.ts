/**
 * One lifecycle for every Flowline service: starting → running → draining → stopped
 * (or failed). Config is validated before anything starts; SIGTERM/SIGINT stop the
 * components in reverse order (consumers finish the message in hand and commit) within
 * SHUTDOWN_TIMEOUT_MS, then the process exits 0. A failed start or a shutdown past its
 * deadline exits 1, never 0, so an orchestrator sees the failure.
 */
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { z } from 'zod';
import { createLogger, createServiceMetrics, Logger, ServiceMetrics, startTelemetry, Telemetry } from '@flowline/telemetry';
import { BaseServiceConfig, ConfigError, loadConfig } from './config';
import { closeServer, createOpsApp, listen, ReadinessCheck } from './ops-server';

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
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
}

export type ServiceState = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

export interface RunningService {
  readonly state: ServiceState;
  readonly port: number;
  /** How long a stop may take before the process gives up on a clean exit (SHUTDOWN_TIMEOUT_MS). */
  readonly shutdownTimeoutMs: number;
  /** Drains and stops everything; resolves when the service has stopped. */
  stop(): Promise<void>;
}

/**
 * Process warnings become JSON log lines like everything else on stdout. kafkajs 2.2.4
 * arms a timer with a negative delay when it is not throttled; Node ≥ 23 warns about it
 * every time and clamps the delay to 1 ms, which is what kafkajs relies on — so that one
 * warning is logged at debug level only.
 */
function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') logger.debug({ warning: warning.message }, 'negative timer delay (kafkajs)');
    else logger.warn({ warning: warning.name, detail: warning.message }, 'process warning');
  });
}

/** Builds and starts a service in this process (what `main.ts` and in-process tests call). */
export async function startService<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService> {
  const config = loadConfig(definition.configSchema, env) as z.infer<S> & BaseServiceConfig;
  const telemetry: Telemetry = startTelemetry({ service: definition.name, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  routeProcessWarnings(logger);
  const metrics = createServiceMetrics(definition.name);
  let state: ServiceState = 'starting';
  let parts: ServiceParts = { components: [], readiness: [] };
  const http = createOpsApp({
    port: config.PORT,
    logger,
    metrics,
    readiness: () => parts.readiness,
    isDraining: () => state !== 'running',
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
    server = await listen(http, config.PORT);
    parts = await definition.build({ config, logger, metrics, http });
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
  return {
    get state() {
      return state;
    },
    port,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    stop() {
      stopping ??= (async () => {
        state = 'draining';
        logger.info('draining');
        await stopAll();
        state = 'stopped';
        logger.info('stopped');
        logger.flush();
      })();
      return stopping;
    },
  };
}

/**
 * The process entry: start, then stop on SIGTERM/SIGINT within the deadline. Exits
 * non-zero on a bad config (one message naming the key), a failed start, or a stop that
 * overran its deadline.
 */
export function runService<S extends z.ZodObject>(definition: ServiceDefinition<S>): void {
  const fail = (message: string, error?: unknown): never => {
    const stack = error instanceof Error && !(error instanceof ConfigError) ? `\n${error.stack ?? ''}` : '';
    process.stderr.write(`${definition.name}: ${message}${stack}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', (error) => fail('uncaught exception', error));
  process.on('unhandledRejection', (error) => fail('unhandled promise rejection', error));

  const starting = startService(definition);
  starting.catch((error: unknown) =>
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
      .then(
        () => process.exit(0),
        (error: unknown) => fail('shutdown failed', error),
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
