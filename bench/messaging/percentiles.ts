/**
 * Order statistics for the bench. Percentiles are nearest-rank (the value below which
 * q of the samples lie, always a sample that was measured, never an interpolation), and an
 * event that never arrived counts as an infinitely late sample: it can only push a
 * percentile up, so a lost event cannot make the latency look better.
 */

/** The median of the values; NaN when there are none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Nearest-rank percentile of ascending values, q in (0, 1]. */
export function percentile(sorted: readonly number[] | Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/**
 * The median of the per-repetition ratios a[i] / b[i]. Repetitions interleave the variants,
 * so a[i] and b[i] ran side by side in time; pairing them cancels slow drift of the machine.
 */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) ratios.push((a[i] as number) / (b[i] as number));
  return median(ratios);
}

export interface LatencySummary {
  /** Events that were scheduled. */
  scheduled: number;
  /** Events that never arrived before the deadline (counted as infinitely late). */
  missing: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Summarises one latency per scheduled event; NaN marks an event that never arrived. */
export function summarizeLatencies(latenciesMs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latenciesMs, (value) =>
    Number.isNaN(value) ? Number.POSITIVE_INFINITY : value,
  ).sort();
  let missing = 0;
  for (const value of latenciesMs) if (Number.isNaN(value)) missing++;
  return {
    scheduled: sorted.length,
    missing,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  };
}
