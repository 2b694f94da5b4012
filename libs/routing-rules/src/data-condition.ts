/**
 * One condition on one data field, compiled once: the path split, the regex built, the
 * `in` values in a Set. All operators of one condition must hold (`{ gte: 100, lt: 1000 }`).
 */
import { isDeepStrictEqual } from 'node:util';
import { isComparable, compareDecimal } from './decimal-compare';
import { MISSING, parseDataPath, readDataPath } from './data-path';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Scalar = string | number | boolean | null;

/** The operators as written in the file (a bare value is `eq`). */
export interface ConditionOperators {
  eq?: JsonValue;
  exists?: boolean;
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
  regex?: string;
  in?: readonly Scalar[];
}

export const OPERATOR_NAMES = ['eq', 'exists', 'gt', 'gte', 'lt', 'lte', 'regex', 'in'] as const;

export interface DataCondition {
  /** The path as written, relative to the event's data (`total.amountMinor`). */
  readonly path: string;
  readonly operators: ConditionOperators;
  /** Whether the event's data satisfies the condition. */
  test(data: unknown): boolean;
}

type Check = (value: unknown) => boolean;

/** Throws PathInvalid for a bad path or a SyntaxError for a bad regex (the caller names where). */
export function compileDataCondition(path: string, operators: ConditionOperators): DataCondition {
  const segments = parseDataPath(path);
  const checks: Check[] = [];
  let mustExist = true;
  if (operators.exists === false) mustExist = false;
  if (operators.eq !== undefined) {
    const expected = operators.eq;
    checks.push(
      typeof expected === 'object' && expected !== null
        ? (value) => isDeepStrictEqual(value, expected)
        : (value) => value === expected,
    );
  }
  const numeric: [keyof ConditionOperators, (order: number) => boolean][] = [
    ['gt', (order) => order > 0],
    ['gte', (order) => order >= 0],
    ['lt', (order) => order < 0],
    ['lte', (order) => order <= 0],
  ];
  for (const [name, holds] of numeric) {
    const bound = operators[name] as number | string | undefined;
    if (bound === undefined) continue;
    checks.push((value) => isComparable(value) && holds(compareDecimal(value, bound)));
  }
  if (operators.regex !== undefined) {
    // No `g` or `y` flag: `test` keeps no state between events.
    const regex = new RegExp(operators.regex, 'u');
    checks.push((value) => typeof value === 'string' && regex.test(value));
  }
  if (operators.in !== undefined) {
    const allowed = new Set<unknown>(operators.in);
    checks.push((value) => allowed.has(value));
  }
  return {
    path,
    operators,
    test(data) {
      const value = readDataPath(data, segments);
      if (value === MISSING) return !mustExist;
      if (!mustExist) return false;
      for (const check of checks) if (!check(value)) return false;
      return true;
    },
  };
}
