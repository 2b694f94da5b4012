/**
 * When an outbound webhook is attempted: the first entry is the delay before the first
 * attempt (0: at once), each next entry the wait after a failed attempt; the schedule's
 * length is the number of attempts. The default is Svix's: immediately, 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h — eight attempts over about 28 hours.
 *
 * Each wait is jittered (±`jitter`, 20 % by default), so the retries of many deliveries that
 * failed together (a receiver's outage) do not come back in one wave. A receiver's
 * `Retry-After` (429, 503) is honoured: the next attempt is not before it, up to a cap.
 */

export const DEFAULT_RETRY_SCHEDULE = '0, 5s, 5m, 30m, 2h, 5h, 10h, 10h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+)(ms|s|m|h|d)?$/;

/** `"0, 5s, 5m"` → `[0, 5000, 300000]`; throws naming the entry that is not a duration. */
export function parseRetrySchedule(text: string): number[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('a retry schedule has at least one attempt, e.g. "0, 5s, 5m"');
  if (entries.length > 50) throw new Error('a retry schedule has at most 50 attempts');
  return entries.map((entry) => {
    const match = DURATION.exec(entry);
    if (match === null) throw new Error(`"${entry}" is not a duration such as 0, 500ms, 5s, 5m, 2h or 1d`);
    const unit = match[2];
    if (unit === undefined && match[1] !== '0') throw new Error(`"${entry}" needs a unit (ms, s, m, h, d)`);
    return Number(match[1]) * UNIT_MS[unit ?? 'ms']!;
  });
}

export interface NextAttemptOptions {
  schedule: readonly number[];
  /** Attempts made so far, the failed one included. */
  attemptsMade: number;
  /** ±fraction of each wait, 0..1. */
  jitter: number;
  /** The receiver's Retry-After, in ms, when it sent one. */
  retryAfterMs?: number | undefined;
  /** Longest Retry-After honoured. */
  retryAfterMaxMs: number;
  /** A number in [0, 1): Math.random in production. */
  random: () => number;
}

/** The wait before the next attempt, or `undefined` when the schedule is used up (→ dead letter). */
export function nextAttemptDelay(options: NextAttemptOptions): number | undefined {
  const planned = options.schedule[options.attemptsMade];
  if (planned === undefined) return undefined;
  const jittered = Math.round(planned * (1 + options.jitter * (2 * options.random() - 1)));
  const retryAfter = Math.min(options.retryAfterMs ?? 0, options.retryAfterMaxMs);
  return Math.max(jittered, retryAfter);
}
