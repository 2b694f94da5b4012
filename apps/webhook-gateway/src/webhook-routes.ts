/**
 * `POST /webhooks/:source`. The answer 202 is sent only after Kafka acknowledged the event
 * (acks=all): a 2xx means the event is durable. Errors answer with a status and a reason.
 */
import express, { NextFunction, Request, Response, Router } from 'express';
import type { FlowlineEvent } from '@flowline/event-schemas';
import { withTimeout } from '@flowline/service-runtime';
import type { Logger } from '@flowline/telemetry';
import { MalformedWebhook, webhookToEvent } from './webhook-event';

export interface WebhookRoutesOptions {
  sources: readonly string[];
  maxBodyBytes: number;
  publishTimeoutMs: number;
  publish: (event: FlowlineEvent) => Promise<void>;
  logger: Logger;
}

export function webhookRoutes(options: WebhookRoutesOptions): Router {
  const router = Router();
  const known = new Set(options.sources);

  router.post(
    '/webhooks/:source',
    (req: Request, res: Response, next: NextFunction) => {
      if (!known.has(String(req.params['source']))) {
        res.status(404).json({ error: `unknown webhook source "${String(req.params['source'])}"` });
        return;
      }
      next();
    },
    express.raw({ type: () => true, limit: options.maxBodyBytes }),
    async (req: Request, res: Response) => {
      const source = String(req.params['source']);
      let event: FlowlineEvent;
      try {
        event = webhookToEvent({
          source,
          headers: req.headers,
          contentType: req.headers['content-type'],
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        });
      } catch (error) {
        if (error instanceof MalformedWebhook) {
          res.status(400).json({ error: error.message });
          return;
        }
        throw error;
      }
      try {
        await withTimeout(
          options.publish(event),
          options.publishTimeoutMs,
          `no acknowledgement from Kafka within ${options.publishTimeoutMs} ms`,
        );
      } catch (error) {
        options.logger.error({ err: error, event_id: event.id, source }, 'Kafka did not take the webhook event');
        res
          .status(503)
          .set('Retry-After', '5')
          .json({ error: 'the event could not be stored; retry later', id: event.id });
        return;
      }
      options.logger.info({ event_id: event.id, correlationid: event.correlationid, source }, 'webhook accepted');
      res.status(202).json({ id: event.id });
    },
  );

  router.all('/webhooks/:source', (req: Request, res: Response) => {
    res
      .status(405)
      .set('Allow', 'POST')
      .json({ error: `${req.method} is not allowed here: webhooks are sent with POST` });
  });

  // body-parser signals an oversized body with status 413 on the error.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (status === 413) {
      res.status(413).json({ error: `body larger than ${options.maxBodyBytes} bytes` });
      return;
    }
    next(error);
  });
  return router;
}
