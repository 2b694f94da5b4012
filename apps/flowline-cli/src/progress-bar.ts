/** The replay progress bar: cli-progress on stderr, so stdout stays clean for pipes. */
import { Presets, SingleBar } from 'cli-progress';
import type { Progress } from './ports';

export function terminalProgressBar(total: number): Progress {
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: 'replay [{bar}] {value}/{total} {percentage}% | eta {eta_formatted}',
      hideCursor: true,
      etaBuffer: 100,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    increment: () => bar.increment(),
    setTotal: (value) => bar.setTotal(value),
    stop: () => bar.stop(),
  };
}
