/**
 * Exact comparison of numbers and decimal strings, for `gt/gte/lt/lte`. Money travels as
 * integer minor units and quantities as decimal strings ("12.50"): comparing them through
 * floats would round, so a decimal string is compared digit by digit.
 */

const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

/** Whether a value can take part in a numeric comparison: a finite number or a decimal string. */
export function isComparable(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && DECIMAL.test(value));
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`; both must be `isComparable`. */
export function compareDecimal(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  const left = asDecimalText(a);
  const right = asDecimalText(b);
  // A number whose shortest text has an exponent (1e21, 1e-7) is compared as a number.
  if (left === undefined || right === undefined) return Math.sign(Number(a) - Number(b));
  return compareDecimalText(left, right);
}

function asDecimalText(value: number | string): string | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  return DECIMAL.test(text) ? text : undefined;
}

interface Parts {
  negative: boolean;
  integer: string;
  fraction: string;
}

function parts(text: string): Parts {
  const negative = text.startsWith('-');
  const unsigned = text.replace(/^[+-]/, '');
  const [integer = '0', fraction = ''] = unsigned.split('.');
  return { negative, integer: integer.replace(/^0+(?=\d)/, ''), fraction: fraction.replace(/0+$/, '') };
}

function compareDecimalText(a: string, b: string): number {
  const left = parts(a);
  const right = parts(b);
  const leftZero = isZero(left);
  const rightZero = isZero(right);
  // -0 equals 0.
  const leftSign = leftZero ? 0 : left.negative ? -1 : 1;
  const rightSign = rightZero ? 0 : right.negative ? -1 : 1;
  if (leftSign !== rightSign) return Math.sign(leftSign - rightSign);
  if (leftSign === 0) return 0;
  const magnitude = compareMagnitude(left, right);
  return leftSign < 0 ? -magnitude : magnitude;
}

function isZero(value: Parts): boolean {
  return /^0*$/.test(value.integer) && value.fraction === '';
}

function compareMagnitude(a: Parts, b: Parts): number {
  if (a.integer.length !== b.integer.length) return Math.sign(a.integer.length - b.integer.length);
  if (a.integer !== b.integer) return a.integer < b.integer ? -1 : 1;
  const width = Math.max(a.fraction.length, b.fraction.length);
  const left = a.fraction.padEnd(width, '0');
  const right = b.fraction.padEnd(width, '0');
  return left === right ? 0 : left < right ? -1 : 1;
}
