import { DEFAULT_RETRY_SCHEDULE, nextAttemptDelay, parseRetrySchedule } from './retry-schedule';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('retry schedule', () => {
  it("defaults to Svix's: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h", () => {
    expect(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE)).toEqual([
      0,
      5_000,
      5 * MINUTE,
      30 * MINUTE,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      10 * HOUR,
    ]);
  });

  it('reads ms, s, m, h and d, and refuses anything else naming the entry', () => {
    expect(parseRetrySchedule('0,200ms, 1s,2m,1h,1d')).toEqual([0, 200, 1_000, 2 * MINUTE, HOUR, 24 * HOUR]);
    expect(() => parseRetrySchedule('0, 5x')).toThrow('"5x" is not a duration');
    expect(() => parseRetrySchedule('0, 5')).toThrow('"5" needs a unit');
    expect(() => parseRetrySchedule(' , ')).toThrow('at least one attempt');
    expect(() => parseRetrySchedule('-1s')).toThrow('not a duration');
  });

  const base = { schedule: [0, 5_000, 5 * MINUTE], jitter: 0.2, retryAfterMaxMs: HOUR };

  it('waits the next entry after a failure, jittered by at most ±20 %', () => {
    expect(nextAttemptDelay({ ...base, attemptsMade: 1, random: () => 0.5 })).toBe(5_000);
    expect(nextAttemptDelay({ ...base, attemptsMade: 1, random: () => 0 })).toBe(4_000);
    expect(nextAttemptDelay({ ...base, attemptsMade: 1, random: () => 0.999999 })).toBe(6_000);
    expect(nextAttemptDelay({ ...base, attemptsMade: 2, random: () => 0.25 })).toBe(4.5 * MINUTE);
    // Jitter spreads retries that failed together.
    const spread = new Set(
      Array.from({ length: 20 }, (_, i) => nextAttemptDelay({ ...base, attemptsMade: 1, random: () => i / 20 })),
    );
    expect(spread.size).toBe(20);
  });

  it('is used up after the last entry: the delivery is dead-lettered', () => {
    expect(nextAttemptDelay({ ...base, attemptsMade: 3, random: Math.random })).toBeUndefined();
  });

  it('honours Retry-After when it is later than the schedule, up to the cap', () => {
    expect(nextAttemptDelay({ ...base, attemptsMade: 1, random: () => 0.5, retryAfterMs: 120_000 })).toBe(120_000);
    expect(nextAttemptDelay({ ...base, attemptsMade: 1, random: () => 0.5, retryAfterMs: 1_000 })).toBe(5_000);
    expect(nextAttemptDelay({ ...base, attemptsMade: 1, random: () => 0.5, retryAfterMs: 10 * HOUR })).toBe(HOUR);
  });
});
