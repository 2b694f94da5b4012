/** Durations for people: `850 ms`, `1.25 s`, `2m 05s`, `1h 02m`, `3d 04h`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${trimZeros((abs / 1_000).toFixed(2))} s`;
  const seconds = Math.floor(abs / 1_000);
  if (seconds < 3_600) return `${sign}${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  if (seconds < 86_400) return `${sign}${Math.floor(seconds / 3_600)}h ${pad(Math.floor(seconds / 60) % 60)}m`;
  return `${sign}${Math.floor(seconds / 86_400)}d ${pad(Math.floor(seconds / 3_600) % 24)}h`;
}

/** The time since a parent: `+120 ms`, `+1.5 s` (a negative one, from clock skew, keeps its sign). */
export function formatSince(ms: number): string {
  return ms < 0 ? formatDuration(ms) : `+${formatDuration(ms)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

function trimZeros(fixed: string): string {
  return fixed.replace(/\.?0+$/, '');
}
