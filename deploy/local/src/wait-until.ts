import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError, describeError } from './infra-error';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked before every attempt; a returned reason stops waiting at once (e.g. the process died). */
  abortIf?: () => string | undefined;
}

/**
 * Calls `probe` until it resolves, then returns its value. Each rejection is remembered so that the
 * error after the deadline says what was last wrong, not just "timed out".
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    const abortReason = options.abortIf?.();
    if (abortReason !== undefined) {
      throw new InfraError('START_FAILED', `${what}: ${abortReason}`, { cause: lastError });
    }
    try {
      return await probe();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() + intervalMs > deadline) {
      const last = lastError === undefined ? '' : ` (last error: ${describeError(lastError)})`;
      throw new InfraError('NOT_READY', `${what}: not ready after ${Math.round(options.timeoutMs / 1000)} s${last}`, {
        cause: lastError,
      });
    }
    await sleep(intervalMs);
  }
}
