/**
 * `POST /webhooks/:source`, in the order that spends the least on requests that will fail:
 * 404 unknown source → 429 over the source's rate (before reading anything) → 413 body over
 * the limit, or 503 when the bodies held at once pass the gateway's budget (body-budget.ts),
 * both while streaming → 401 signature → 400 malformed → 202 for a redelivery already
 * accepted (same event id, not published again) → publish → 202 `{"id"}` only after Kafka
 * acknowledged the event (acks=all), or 503 when it did not within PUBLISH_TIMEOUT_MS.
 */
import { trace } from '@opentelemetry/api';
import { Request, Response, Router } from 'express';
import type { FlowlineEvent } from '@flowline/event-schemas';
import { withTimeout } from '@flowline/service-runtime';
import type { Logger } from '@flowline/telemetry';
import { WebhookSignatureError } from '@flowline/webhooks';
import type { BodyBudget } from './body-budget';
import { emailToEvent } from './email-intake';
import type { SourceRateLimiter } from './rate-limiter';
import { BodiesOverBudget, BodyIncomplete, BodyTooLarge, readRequestBody } from './request-body';
import { verifyWebhookSignature } from './verify-webhook-signature';
import { AcceptedWebhook, WebhookMalformed, webhookToEvent } from './webhook-event';
import { UNKNOWN_SOURCE_LABEL, type WebhookMetrics } from './webhook-metrics';
import { Problem, sendProblem } from './webhook-problems';
import type { WebhookSource } from './webhook-sources';

/** What the routes need of the dedupe records (delivery-register.ts). */
export interface DeliveryRecords {
  find(source: string, deliveryId: string): Promise<string | undefined>;
  record(source: string, deliveryId: string, eventId: string): Promise<void>;
}

export interface WebhookRoutesOptions {
  sources: readonly WebhookSource[];
  publishTimeoutMs: number;
  /** Resolves once Kafka acknowledged the event. */
  publish: (event: FlowlineEvent) => Promise<void>;
  deliveries: DeliveryRecords;
  rateLimiter: SourceRateLimiter;
  bodyBudget: BodyBudget;
  metrics: WebhookMetrics;
  logger: Logger;
  now?: () => Date;
}

/** A sender told 503 should come back after this many seconds. */
const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;
/** Bodies in flight drain in well under a second when Kafka answers. */
const RETRY_AFTER_OVERLOADED_SECONDS = 1;

export function webhookRoutes(options: WebhookRoutesOptions): Router {
  const router = Router();
  const sources = new Map(options.sources.map((source) => [source.name, source]));
  const now = options.now ?? (() => new Date());
  // Copies of one delivery arriving at this instance while the first is being published wait
  // for its outcome instead of publishing again (resolves with the event id once acknowledged).
  const inFlight = new Map<string, Promise<string | undefined>>();

  router.post('/webhooks/:source', async (req: Request, res: Response) => {
    const started = performance.now();
    const name = String(req.params['source']);
    const source = sources.get(name);
    const label = source?.name ?? UNKNOWN_SOURCE_LABEL;
    const observe = (status: number): void =>
      options.metrics.duration.observe({ source: label, status: String(status) }, (performance.now() - started) / 1000);
    const refuse = (problem: Problem): void => {
      if (problem.status === 429) options.metrics.rateLimited.inc({ source: label });
      else options.metrics.rejected.inc({ source: label, reason: problem.error });
      options.logger[problem.status >= 500 ? 'warn' : 'info'](
        { source: label, status: problem.status, reason: problem.error, detail: problem.detail },
        'webhook refused',
      );
      sendProblem(res, problem);
      observe(problem.status);
    };
    const accept = (id: string): void => {
      res.status(202).json({ id });
      observe(202);
    };

    if (source === undefined) {
      // The name is not echoed into a label or a log field: it is whatever the caller typed.
      refuse({ status: 404, error: 'SOURCE_UNKNOWN', detail: `unknown webhook source "${name.slice(0, 64)}"` });
      return;
    }
    trace.getActiveSpan()?.setAttribute('flowline.webhook.source', source.name);
    const rate = options.rateLimiter.take(source.name);
    if (!rate.allowed) {
      refuse({
        status: 429,
        error: 'RATE_LIMITED',
        detail: `source ${source.name} is over ${source.rateLimit.perMinute} requests per minute`,
        headers: { 'Retry-After': String(rate.retryAfterSeconds) },
      });
      return;
    }

    // The body's bytes count against the gateway's budget as they arrive and until the answer
    // went out (the request keeps its body and event alive until then); a slow client holds little.
    let held = 0;
    res.once('close', () => options.bodyBudget.release(held));
    const take = (bytes: number): boolean => {
      if (!options.bodyBudget.tryReserve(bytes)) return false;
      held += bytes;
      return true;
    };

    let body: Buffer;
    try {
      body = await readRequestBody(req, source.maxBodyBytes, take);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        // The rest of the body is not read: close the connection after this answer.
        refuse({ status: 413, error: 'BODY_TOO_LARGE', detail: error.message, headers: { Connection: 'close' } });
        return;
      }
      if (error instanceof BodiesOverBudget) {
        refuse({
          status: 503,
          error: 'OVERLOADED',
          detail: error.message,
          headers: { 'Retry-After': String(RETRY_AFTER_OVERLOADED_SECONDS), Connection: 'close' },
        });
        return;
      }
      if (error instanceof BodyIncomplete) {
        refuse({ status: 400, error: 'BODY_INCOMPLETE', detail: error.message });
        return;
      }
      throw error;
    }

    let accepted: AcceptedWebhook;
    let secretIndex: number | undefined;
    try {
      secretIndex = verifyWebhookSignature(source, body, req.headers, now()).secretIndex;
      const request = { headers: req.headers, contentType: req.headers['content-type'], body };
      accepted = source.kind === 'email' ? await emailToEvent(source, request) : webhookToEvent(source, request);
    } catch (error) {
      if (error instanceof WebhookSignatureError) {
        refuse({ status: 401, error: error.code, detail: error.message });
        return;
      }
      if (error instanceof WebhookMalformed) {
        refuse({ status: 400, error: 'WEBHOOK_MALFORMED', detail: error.message });
        return;
      }
      throw error;
    }
    const { event, deliveryId } = accepted;
    const key = deliveryId === undefined ? undefined : `${source.name}\u0000${deliveryId}`;

    if (deliveryId !== undefined && key !== undefined) {
      const earlier = (await inFlight.get(key)) ?? (await findAccepted(source.name, deliveryId));
      if (earlier !== undefined) {
        options.metrics.deduplicated.inc({ source: source.name });
        options.logger.info({ event_id: earlier, source: source.name, delivery_id: deliveryId }, 'webhook redelivered');
        accept(earlier);
        return;
      }
    }

    const publishing = options.publish(event);
    // The record follows Kafka's ack even when the ack comes after this request was answered
    // 503: the sender's retry then finds it instead of publishing again. Never before the ack.
    const outcome = publishing.then(
      async () => {
        if (deliveryId !== undefined) await recordAccepted(source.name, deliveryId, event.id);
        return event.id;
      },
      () => undefined,
    );
    if (key !== undefined) {
      inFlight.set(key, outcome);
      void outcome.finally(() => inFlight.delete(key));
    }
    try {
      await withTimeout(
        publishing,
        options.publishTimeoutMs,
        `no acknowledgement from Kafka within ${options.publishTimeoutMs} ms`,
      );
    } catch (error) {
      options.logger.warn({ err: error, event_id: event.id, source: source.name }, 'Kafka did not take the webhook');
      refuse({
        status: 503,
        error: 'PUBLISH_FAILED',
        detail: 'the event could not be stored; retry later',
        extra: { id: event.id },
        headers: { 'Retry-After': String(RETRY_AFTER_UNAVAILABLE_SECONDS) },
      });
      return;
    }
    // Answer once the dedupe record is in (bounded by the pool's timeouts), so a redelivery
    // that reaches another instance right after this 202 already finds it.
    await outcome;
    options.metrics.accepted.inc({ source: source.name, type: event.type });
    options.logger.info(
      { event_id: event.id, source: source.name, type: event.type, delivery_id: deliveryId, secret_index: secretIndex },
      'webhook accepted',
    );
    accept(event.id);
  });

  router.all('/webhooks/:source', (req: Request, res: Response) => {
    sendProblem(res, {
      status: 405,
      error: 'METHOD_NOT_ALLOWED',
      detail: `${req.method} is not allowed here: webhooks are sent with POST`,
      headers: { Allow: 'POST' },
    });
  });
  return router;

  /**
   * A delivery accepted before (by any instance). If the records cannot be read, the webhook
   * is published anyway: its event id is the same as the first time, so downstream drops the copy.
   */
  async function findAccepted(source: string, deliveryId: string): Promise<string | undefined> {
    try {
      return await options.deliveries.find(source, deliveryId);
    } catch (error) {
      options.logger.warn({ err: error, source, delivery_id: deliveryId }, 'dedupe records unreadable; publishing');
      return undefined;
    }
  }

  async function recordAccepted(source: string, deliveryId: string, eventId: string): Promise<void> {
    try {
      await options.deliveries.record(source, deliveryId, eventId);
    } catch (error) {
      options.logger.warn({ err: error, source, delivery_id: deliveryId }, 'dedupe record not written');
    }
  }
}
