import { DEFAULT_RETRY_POLICY, retryDelayMs } from './retry-policy';

describe('retryDelayMs', () => {
  const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2 };

  it('grows exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('spreads delays between zero and the cap (full jitter)', () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(0);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(200);
  });

  it('has a bounded default', () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThan(1);
    expect(Number.isFinite(DEFAULT_RETRY_POLICY.maxDelayMs)).toBe(true);
  });
});
