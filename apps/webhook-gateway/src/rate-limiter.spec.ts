import { SourceRateLimiter, TokenBucket } from './rate-limiter';

describe('TokenBucket', () => {
  it('lets a burst through at once, then one request per refill interval', () => {
    let now = 0;
    const bucket = new TokenBucket({ perMinute: 60, burst: 3 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()].every((d) => d.allowed)).toBe(true);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 999;
    expect(bucket.take().allowed).toBe(false);
    now += 1;
    expect(bucket.take().allowed).toBe(true);
    expect(bucket.take().allowed).toBe(false);
  });

  it('tells how long until the next token, in whole seconds rounded up', () => {
    let now = 0;
    const bucket = new TokenBucket({ perMinute: 100, burst: 1 }, () => now);
    bucket.take();
    expect(bucket.take()).toEqual({ allowed: false, retryAfterSeconds: 1 });
    const slow = new TokenBucket({ perMinute: 2, burst: 1 }, () => now);
    slow.take();
    expect(slow.take()).toEqual({ allowed: false, retryAfterSeconds: 30 });
    now += 20_000;
    expect(slow.take()).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('never saves up more than the burst while idle', () => {
    let now = 0;
    const bucket = new TokenBucket({ perMinute: 60, burst: 2 }, () => now);
    now += 3_600_000;
    expect([bucket.take(), bucket.take(), bucket.take()].map((d) => d.allowed)).toEqual([true, true, false]);
  });
});

describe('SourceRateLimiter', () => {
  it('counts each source apart', () => {
    const limiter = new SourceRateLimiter(
      new Map([
        ['github', { perMinute: 60, burst: 1 }],
        ['stripe', { perMinute: 60, burst: 1 }],
      ]),
      () => 0,
    );
    expect([limiter.take('github').allowed, limiter.take('github').allowed, limiter.take('stripe').allowed]).toEqual([
      true,
      false,
      true,
    ]);
  });
});
