import type { TimestampOptions } from './timestamp-window';

export interface VerifyOptions {
  /**
   * Every secret currently valid for the source, in order of preference: during a rotation
   * the new one and the old one, so senders can switch at their own pace.
   */
  secrets: readonly string[];
}

export type TimestampedVerifyOptions = VerifyOptions & TimestampOptions;

/** What an accepted signature tells: which secret matched (to see when an old one is no longer used). */
export interface VerifiedSignature {
  secretIndex: number;
}

export interface VerifiedTimestampedSignature extends VerifiedSignature {
  /** The signed timestamp, inside the window. */
  timestamp: Date;
}
