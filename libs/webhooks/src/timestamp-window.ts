/**
 * The replay window of the schemes that sign a timestamp (Stripe, Standard Webhooks): a
 * signed request is accepted only within `toleranceSeconds` of the receiver's clock, in the
 * past and in the future alike (a timestamp from the future is a sender's wrong clock or a
 * forged request kept for later, and a window open to the future lets it be replayed longer).
 */
import { SignatureMalformed, TimestampOutOfTolerance } from './signature-errors';

/** Five minutes, as Stripe and the Standard Webhooks spec use. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface TimestampOptions {
  /** How far the signed timestamp may be from now, either way (default 300 s). */
  toleranceSeconds?: number;
  /** The receiver's clock (default: now). */
  now?: Date;
}

/** Unix seconds as written in a header; SignatureMalformed when the text is not a non-negative integer. */
export function parseUnixSeconds(text: string, header: string): number {
  const seconds = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seconds)) throw new SignatureMalformed(`${header} must be Unix seconds (digits only)`);
  return seconds;
}

/** Throws TimestampOutOfTolerance when `seconds` is outside the window around now. */
export function checkTimestampWindow(seconds: number, options: TimestampOptions = {}): Date {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const skew = now - seconds;
  if (skew > tolerance) {
    throw new TimestampOutOfTolerance(`the signed timestamp is ${skew} s old; at most ${tolerance} s are accepted`);
  }
  if (-skew > tolerance) {
    throw new TimestampOutOfTolerance(
      `the signed timestamp is ${-skew} s in the future; at most ${tolerance} s are accepted`,
    );
  }
  return new Date(seconds * 1000);
}
