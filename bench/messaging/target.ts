/** A performance target and whether the measured figure met it; reported as measured, never adjusted. */
export interface Target {
  rule: string;
  measured: number;
  comparison: '>=' | '<=';
  threshold: number;
  /** false also when the figure could not be measured (NaN). */
  met: boolean;
}

export function target(rule: string, measured: number, comparison: '>=' | '<=', threshold: number): Target {
  const met = Number.isFinite(measured) && (comparison === '>=' ? measured >= threshold : measured <= threshold);
  return { rule, measured, comparison, threshold, met };
}
