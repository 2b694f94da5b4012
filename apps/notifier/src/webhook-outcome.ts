/**
 * What one delivery attempt's answer means, as senders like Svix read it:
 * - 2xx: delivered.
 * - 410 Gone: the receiver says the endpoint is gone for good: disable the subscription.
 * - 429 and 503: failed; a `Retry-After` (seconds or an HTTP date) sets the earliest next attempt.
 * - Anything else — 3xx (redirects are not followed: a receiver that moved must be updated,
 *   and following one could lead to an address the policy forbids), 4xx, 5xx, a timeout, a
 *   refused connection, an address the policy forbids — is a failed attempt, retried on the
 *   schedule.
 */

export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'gone'; status: 410; error: string }
  | {
      kind: 'failed';
      status: number | undefined;
      error: string;
      retryAfterMs?: number;
      /** Not sent: every address of the host, or one of them, is one the policy forbids. */
      refused?: true;
    };

export function outcomeOfResponse(status: number, retryAfter: string | undefined, now: Date): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone', status, error: 'HTTP 410 Gone' };
  const error = status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    if (retryAfterMs !== undefined) return { kind: 'failed', status, error, retryAfterMs };
  }
  return { kind: 'failed', status, error };
}

/** RFC 9110 `Retry-After`: delay-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}
