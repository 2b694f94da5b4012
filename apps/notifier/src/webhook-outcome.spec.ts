import { outcomeOfResponse, parseRetryAfter } from './webhook-outcome';

const now = new Date('2026-12-05T12:00:00.000Z');

describe('delivery attempt outcome', () => {
  it.each([200, 201, 202, 204, 299])('%i is delivered', (status) => {
    expect(outcomeOfResponse(status, undefined, now)).toEqual({ kind: 'delivered', status });
  });

  it('410 Gone disables the endpoint', () => {
    expect(outcomeOfResponse(410, undefined, now)).toEqual({ kind: 'gone', status: 410, error: 'HTTP 410 Gone' });
  });

  it.each([301, 302, 307, 308])('%i is a failure: redirects are not followed', (status) => {
    expect(outcomeOfResponse(status, undefined, now)).toEqual({
      kind: 'failed',
      status,
      error: `HTTP ${status} (redirects are not followed)`,
    });
  });

  it.each([400, 401, 404, 413, 500, 502, 504, 100])('%i is a failure, retried on the schedule', (status) => {
    expect(outcomeOfResponse(status, '30', now)).toEqual({ kind: 'failed', status, error: `HTTP ${status}` });
  });

  it('takes Retry-After from 429 and 503, in seconds or as an HTTP date', () => {
    expect(outcomeOfResponse(429, '120', now)).toEqual({
      kind: 'failed',
      status: 429,
      error: 'HTTP 429',
      retryAfterMs: 120_000,
    });
    expect(outcomeOfResponse(503, 'Sat, 05 Dec 2026 12:05:00 GMT', now)).toMatchObject({ retryAfterMs: 300_000 });
    expect(outcomeOfResponse(503, undefined, now)).toEqual({ kind: 'failed', status: 503, error: 'HTTP 503' });
  });

  it('ignores a Retry-After it cannot read, and a date in the past waits nothing extra', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('Sat, 05 Dec 2026 11:00:00 GMT', now)).toBe(0);
  });
});
