/**
 * Every wait in the bench is bounded: a phase that cannot finish (a broker that stopped
 * answering, a consumer that never joins) fails with `PhaseTimeout` naming what it waited
 * for, and the run goes on to clean up and report instead of hanging.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class PhaseTimeout extends Error {
  readonly code = 'PHASE_TIMEOUT';
  override readonly name = 'PhaseTimeout';
}

/** Resolves as `work` does, or rejects with PhaseTimeout after `ms`. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PhaseTimeout(`${what}: not done after ${Math.round(ms)} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every `pollMs` until it holds, or rejects with PhaseTimeout at `deadlineAt` (performance.now() time). */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  deadlineAt: number,
  pollMs: number,
  what: string,
): Promise<void> {
  for (;;) {
    if (await condition()) return;
    if (performance.now() >= deadlineAt) throw new PhaseTimeout(`${what}: not done by the deadline`);
    await sleep(pollMs);
  }
}

/** Runs a stop step bounded in time; a stop that fails or hangs must not keep the bench from ending. */
export async function stopWithin(stop: () => Promise<void>, ms: number, what: string): Promise<void> {
  try {
    await withDeadline(stop(), ms, what);
  } catch (error) {
    console.error(`bench: ${what} failed: ${(error as Error).message}`);
  }
}
