/** A command context that captures what was written. */
import type { CommandContext, Progress } from '../ports';

export const NOW = new Date('2026-11-22T12:00:00.000Z');

export interface CapturedContext extends CommandContext {
  stdout(): string;
  stderr(): string;
  interrupt(): void;
  bars: { total: number; increments: number; stopped: boolean }[];
}

export function captureContext(options: { progress?: boolean } = {}): CapturedContext {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  const bars: CapturedContext['bars'] = [];
  const progress = (total: number): Progress => {
    const bar = { total, increments: 0, stopped: false };
    bars.push(bar);
    return {
      increment: () => void (bar.increments += 1),
      setTotal: (value) => void (bar.total = value),
      stop: () => void (bar.stopped = true),
    };
  };
  return {
    output: { out: (text) => out.push(text), err: (text) => err.push(text) },
    signal: controller.signal,
    now: () => NOW,
    ...(options.progress === true ? { progress } : {}),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupt: () => controller.abort(),
    bars,
  };
}
