/**
 * How long to wait before the next attempt: exponential backoff with full jitter
 * (a random delay between 0 and the exponential cap), so many consumers failing on the
 * same dependency do not retry in lock-step.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; after the last, the message is dead-lettered. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 30_000,
  multiplier: 2,
};

/** Delay before attempt `attempt + 1`, after `attempt` (≥ 1) failed. */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 1));
  return Math.round(cap * random());
}
