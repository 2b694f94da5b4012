/**
 * A token bucket per source, in this instance's memory: `burst` requests at once, refilled
 * at `perMinute`. Checked before the body is read, so a flood costs no reading, hashing or
 * publishing.
 *
 * Each gateway instance counts for itself, so N instances behind a load balancer let a
 * source through at up to N × its rate. That is accepted: the limit protects each instance
 * and the broker from one runaway sender, not a billing quota; the balancer spreads a
 * sender's requests roughly evenly, so set the rate per instance (the total divided by the
 * replicas). An exact shared count would put a database round trip in front of every request.
 */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly perMs: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burst;
    this.updatedAt = now();
    this.perMs = limit.perMinute / 60_000;
  }

  take(): RateDecision {
    const now = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    // Retry-After is whole seconds, rounded up: retrying then finds a token.
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.perMs / 1000)) };
  }
}

/** One bucket per source name. */
export class SourceRateLimiter {
  private readonly buckets: Map<string, TokenBucket>;

  constructor(limits: ReadonlyMap<string, RateLimit>, now?: () => number) {
    this.buckets = new Map([...limits].map(([source, limit]) => [source, new TokenBucket(limit, now)]));
  }

  take(source: string): RateDecision {
    return this.buckets.get(source)?.take() ?? { allowed: true };
  }
}
