/**
 * Paths into an event's data: keys joined by dots (`total.amountMinor`), a digit-only
 * segment indexes an array (`lines.0.amount`). Only own properties of plain objects are
 * read, so `constructor` or `__proto__` never reach an object's prototype; a key that itself
 * contains a dot cannot be addressed.
 */

/** What a path reads when there is nothing there (distinct from a JSON `null`). */
export const MISSING: unique symbol = Symbol('missing');

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

export class PathInvalid extends Error {
  override readonly name = 'PathInvalid';
}

/** Splits and checks a path once, at compile time. */
export function parseDataPath(text: string): readonly string[] {
  if (text === '') throw new PathInvalid('a data path must not be empty');
  const segments = text.split('.');
  if (segments.some((segment) => segment === '')) {
    throw new PathInvalid(`data path "${text}" has an empty segment (keys are joined by single dots)`);
  }
  const forbidden = segments.find((segment) => FORBIDDEN.has(segment));
  if (forbidden !== undefined) throw new PathInvalid(`data path "${text}" uses the reserved key "${forbidden}"`);
  return segments;
}

/** A JSON object (not an array, not opaque bytes). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // An Object.prototype of any realm (structuredClone and test sandboxes make objects of another).
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** The value at a path, or MISSING (typed `unknown`, which MISSING is part of). */
export function readDataPath(data: unknown, segments: readonly string[]): unknown {
  let current: unknown = data;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return MISSING;
      const index = Number(segment);
      if (index >= current.length) return MISSING;
      current = current[index];
    } else if (isPlainObject(current)) {
      if (!Object.hasOwn(current, segment)) return MISSING;
      current = current[segment];
    } else {
      return MISSING;
    }
  }
  return current;
}
