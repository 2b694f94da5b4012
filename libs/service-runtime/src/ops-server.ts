/**
 * The HTTP face every service shows operators: /healthz (the process is up), /readyz
 * (its dependencies answer, and it is not shutting down), /metrics (Prometheus). Services
 * with an HTTP API of their own (the webhook gateway) mount it on the same app.
 */
import { createServer, Server } from 'node:http';
import express, { Express, NextFunction, Request, Response } from 'express';
import type { Logger, ServiceMetrics } from '@flowline/telemetry';
import { withTimeout } from './with-timeout';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) otherwise. */
  check(): Promise<void>;
}

export interface OpsServerOptions {
  port: number;
  logger: Logger;
  metrics: ServiceMetrics;
  readiness: () => readonly ReadinessCheck[];
  isDraining: () => boolean;
}

const READINESS_TIMEOUT_MS = 2_000;

export function createOpsApp(options: OpsServerOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req: Request, res: Response, next: NextFunction) => {
    const stop = options.metrics.httpRequestDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      // The route pattern, not the URL, keeps the label set bounded.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      stop({ route: String(route), status: String(res.statusCode) });
    });
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (options.isDraining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const results = await Promise.all(
      options.readiness().map(async (probe) => {
        try {
          await withTimeout(
            probe.check(),
            READINESS_TIMEOUT_MS,
            `${probe.name} did not answer within ${READINESS_TIMEOUT_MS} ms`,
          );
          return { name: probe.name, ok: true };
        } catch (error) {
          return { name: probe.name, ok: false, error: (error as Error).message };
        }
      }),
    );
    const ready = results.every((result) => result.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: results });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  return app;
}

/**
 * Mounted after the service's own routes: a request no route took gets a JSON 404 naming
 * it, and an error no route answered gets JSON too (its own status and message when it is
 * a client error, such as a body parser's; otherwise a 500 that does not leak internals,
 * with the error logged). Express alone answers both with an HTML page.
 */
export function answerTheRestAsJson(app: Express, logger: Logger): void {
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: (error as Error).message });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    res.status(500).json({ error: 'internal error' });
  });
}

/** Bounds on how long one connection may hold the server (slow clients, idle keep-alive). */
export interface HttpTimeouts {
  /** Until the request's headers are complete. */
  headersTimeoutMs: number;
  /** Until the whole request (headers and body) is in. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
}

export function listen(app: Express, port: number, timeouts?: HttpTimeouts): Promise<Server> {
  return new Promise((resolve, reject) => {
    const options =
      timeouts === undefined
        ? {}
        : {
            headersTimeout: timeouts.headersTimeoutMs,
            requestTimeout: timeouts.requestTimeoutMs,
            keepAliveTimeout: timeouts.keepAliveTimeoutMs,
            // Node checks the two request timeouts on this interval (30 s by default), so a
            // slow client would otherwise outlive a short timeout by up to that long.
            connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeoutMs),
          };
    const server = createServer(options, app).listen(port, '0.0.0.0');
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    server.closeIdleConnections();
  });
}
