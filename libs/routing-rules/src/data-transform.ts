/**
 * A rule's transform of the forwarded event's data, compiled once. Steps run in a fixed
 * order whatever the order in the file: `pick` (keep only these paths), then `rename`
 * (move a value from one path to another; objects it leaves empty go too), then `set`
 * (write constants). The input is
 * never changed: in all-match mode the same event goes through several rules.
 */
import { isPlainObject, MISSING, parseDataPath, readDataPath } from './data-path';
import type { JsonValue } from './data-condition';
import { TransformNotApplicable } from './rule-errors';

export interface TransformSpec {
  pick?: readonly string[];
  rename?: Readonly<Record<string, string>>;
  set?: Readonly<Record<string, JsonValue>>;
}

export interface DataTransform {
  readonly spec: TransformSpec;
  /** The transformed copy of `data`; throws TransformNotApplicable when data is not a JSON object. */
  apply(data: unknown, rule: string): Record<string, unknown>;
}

/** Throws PathInvalid (with the path) for a bad path. */
export function compileDataTransform(spec: TransformSpec): DataTransform {
  const pick = spec.pick?.map((path) => ({ path, segments: parseDataPath(path) }));
  const rename = Object.entries(spec.rename ?? {}).map(([from, to]) => ({
    fromSegments: parseDataPath(from),
    to,
    toSegments: parseDataPath(to),
  }));
  const set = Object.entries(spec.set ?? {}).map(([path, value]) => ({ path, segments: parseDataPath(path), value }));
  return {
    spec,
    apply(data, rule) {
      if (!isPlainObject(data)) {
        const what = Buffer.isBuffer(data) ? 'opaque bytes (a non-JSON body)' : describe(data);
        throw new TransformNotApplicable(rule, `the event's data is ${what}, not a JSON object`);
      }
      let result: Record<string, unknown>;
      if (pick === undefined) {
        result = structuredClone(data);
      } else {
        result = {};
        for (const { path, segments } of pick) {
          const value = readDataPath(data, segments);
          if (value !== MISSING) writePath(result, segments, structuredClone(value), rule, path);
        }
      }
      for (const { fromSegments, to, toSegments } of rename) {
        const value = readDataPath(result, fromSegments);
        if (value === MISSING) continue;
        deletePath(result, fromSegments);
        writePath(result, toSegments, value, rule, to);
      }
      for (const { path, segments, value } of set) writePath(result, segments, structuredClone(value), rule, path);
      return result;
    },
  };
}

function writePath(
  target: Record<string, unknown>,
  segments: readonly string[],
  value: unknown,
  rule: string,
  path: string,
): void {
  let container = target;
  for (const segment of segments.slice(0, -1)) {
    const next = Object.hasOwn(container, segment) ? container[segment] : undefined;
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      container[segment] = created;
      container = created;
    } else if (isPlainObject(next)) {
      container = next;
    } else {
      throw new TransformNotApplicable(rule, `"${path}" crosses "${segment}", which is ${describe(next)}`);
    }
  }
  container[segments.at(-1) as string] = value;
}

/** Removes the value at a path, and the objects above it that it leaves empty (a move leaves no `{}` behind). */
function deletePath(target: Record<string, unknown>, segments: readonly string[]): void {
  for (let depth = segments.length; depth > 0; depth -= 1) {
    const parent = readDataPath(target, segments.slice(0, depth - 1));
    const key = segments[depth - 1] as string;
    if (isPlainObject(parent)) delete parent[key];
    else if (Array.isArray(parent) && /^\d+$/.test(key)) parent.splice(Number(key), 1);
    else return;
    if (!isPlainObject(parent) || Object.keys(parent).length > 0 || depth === 1) return;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
