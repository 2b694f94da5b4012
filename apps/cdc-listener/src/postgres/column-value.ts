/**
 * PostgreSQL text output → JSON values in data.changed events. Stated once here (and in the
 * README) so every consumer can rely on it:
 *
 * | PostgreSQL                         | JSON                                                   |
 * |------------------------------------|--------------------------------------------------------|
 * | boolean                            | true / false                                           |
 * | smallint, integer, oid             | number                                                 |
 * | bigint                             | string ("9007199254740993": beyond a double's integers)|
 * | numeric, money                     | string, exact ("12.50", "NaN"), never a float          |
 * | real, double precision             | number; "NaN", "Infinity", "-Infinity" as strings      |
 * | json, jsonb                        | the parsed JSON value                                  |
 * | bytea                              | string, base64                                         |
 * | timestamptz                        | string, RFC 3339 in UTC with microseconds              |
 * | timestamp (without time zone)      | string, "2024-05-02T07:21:00.123456", no offset        |
 * | uuid, date, time, interval, text…  | string, as PostgreSQL prints it                        |
 * | arrays of any of these             | JSON arrays (nested for multi-dimensional), NULL → null|
 * | domains                            | as their base type; enums and other types: string      |
 *
 * The replication and snapshot connections run with DateStyle=ISO, TimeZone=UTC,
 * IntervalStyle=iso_8601, bytea_output=hex and extra_float_digits=3 (SESSION_SETTINGS),
 * so the text this parses has one form whatever the server's defaults are.
 */

import type { JsonValue } from '../json-value';

export type { JsonValue };

/** Startup options of every connection whose text output this module reads. */
export const SESSION_SETTINGS =
  '-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c bytea_output=hex -c extra_float_digits=3';

type ScalarKind = 'bool' | 'number' | 'string' | 'float' | 'json' | 'bytea' | 'timestamptz' | 'timestamp';

/** What the catalogue says about a type the built-in table does not know (pg_type). */
export interface CatalogType {
  oid: number;
  /** pg_type.typcategory: 'A' for arrays. */
  category: string;
  /** pg_type.typelem: the element type of an array. */
  elementOid: number;
  /** pg_type.typbasetype: the base type of a domain (0 otherwise). */
  baseOid: number;
}

const SCALARS = new Map<number, ScalarKind>([
  [16, 'bool'],
  [21, 'number'],
  [23, 'number'],
  [26, 'number'],
  [20, 'string'], // int8
  [1700, 'string'], // numeric
  [790, 'string'], // money
  [700, 'float'],
  [701, 'float'],
  [114, 'json'],
  [3802, 'json'],
  [17, 'bytea'],
  [1184, 'timestamptz'],
  [1114, 'timestamp'],
]);

/** Built-in array types → their element type. */
const ARRAYS = new Map<number, number>([
  [1000, 16],
  [1005, 21],
  [1007, 23],
  [1028, 26],
  [1016, 20],
  [1231, 1700],
  [791, 790],
  [1021, 700],
  [1022, 701],
  [199, 114],
  [3807, 3802],
  [1001, 17],
  [1185, 1184],
  [1115, 1114],
  [1009, 25],
  [1015, 1043],
  [1014, 1042],
  [1182, 1082],
  [2951, 2950],
]);

/** Decides how to decode each column type; unknown types are described by the catalogue. */
export class ColumnTypes {
  private readonly catalog = new Map<number, CatalogType>();

  /** Type oids not in the tables above nor described yet: look them up in pg_type, then `describe` them. */
  unknown(oids: Iterable<number>): number[] {
    const missing = new Set<number>();
    for (const oid of oids) {
      if (!SCALARS.has(oid) && !ARRAYS.has(oid) && !this.catalog.has(oid)) missing.add(oid);
    }
    return [...missing];
  }

  describe(types: readonly CatalogType[]): void {
    for (const type of types) this.catalog.set(type.oid, type);
  }

  /** The JSON value of one column's text output. */
  decode(typeOid: number, text: string): JsonValue {
    const resolved = this.resolve(typeOid);
    if (resolved.array !== undefined)
      return mapArray(parseArrayLiteral(text), (item) => this.decode(resolved.array as number, item));
    return decodeScalar(resolved.scalar, text);
  }

  private resolve(typeOid: number, depth = 0): { scalar: ScalarKind; array?: number } {
    const scalar = SCALARS.get(typeOid);
    if (scalar !== undefined) return { scalar };
    const element = ARRAYS.get(typeOid);
    if (element !== undefined) return { scalar: 'string', array: element };
    const described = this.catalog.get(typeOid);
    if (described !== undefined && depth < 8) {
      if (described.baseOid !== 0) return this.resolve(described.baseOid, depth + 1);
      if (described.category === 'A' && described.elementOid !== 0)
        return { scalar: 'string', array: described.elementOid };
    }
    return { scalar: 'string' };
  }
}

function decodeScalar(kind: ScalarKind, text: string): JsonValue {
  switch (kind) {
    case 'bool':
      return text === 't';
    case 'number':
      return Number(text);
    case 'float': {
      const value = Number(text);
      return Number.isFinite(value) ? value : text;
    }
    case 'json':
      return JSON.parse(text) as JsonValue;
    case 'bytea':
      return byteaToBase64(text);
    case 'timestamptz':
      return isoTimestamp(text, true);
    case 'timestamp':
      return isoTimestamp(text, false);
    case 'string':
      return text;
  }
}

function byteaToBase64(text: string): string {
  if (!text.startsWith('\\x')) throw new Error('bytea not in hex output (bytea_output=hex is set on the connection)');
  return Buffer.from(text.slice(2), 'hex').toString('base64');
}

const ISO_TIMESTAMP =
  /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;

/**
 * `2024-05-02 07:21:00.123456+00` → `2024-05-02T07:21:00.123456Z`. The connection's time
 * zone is UTC, so the offset is +00; another offset is kept as ±hh:mm. `infinity` and BC
 * dates have no RFC 3339 form and stay as PostgreSQL prints them.
 */
function isoTimestamp(text: string, withZone: boolean): string {
  const match = ISO_TIMESTAMP.exec(text);
  if (match === null) return text;
  const [, date, time, sign, hours, minutes, seconds] = match;
  if (!withZone || sign === undefined) return `${date}T${time}`;
  if (hours === '00' && (minutes ?? '00') === '00' && (seconds ?? '00') === '00') return `${date}T${time}Z`;
  if (seconds !== undefined && seconds !== '00') return text;
  return `${date}T${time}${sign}${hours}:${minutes ?? '00'}`;
}

type ArrayItem = string | null | ArrayItem[];

function mapArray(items: ArrayItem[], decode: (text: string) => JsonValue): JsonValue[] {
  return items.map((item) => (item === null ? null : Array.isArray(item) ? mapArray(item, decode) : decode(item)));
}

/**
 * Parses PostgreSQL's array output: `{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}`, with an
 * optional `[0:1]=` dimension prefix (dropped: JSON arrays start at 0). Elements come back
 * as text (null for an unquoted NULL) to be decoded as the element type.
 */
export function parseArrayLiteral(text: string): ArrayItem[] {
  let position = 0;
  if (text.startsWith('[')) {
    const equals = text.indexOf('=');
    if (equals === -1) throw new Error(`not an array literal: ${text}`);
    position = equals + 1;
  }
  const parseLevel = (): ArrayItem[] => {
    if (text[position] !== '{') throw new Error(`not an array literal: ${text}`);
    position += 1;
    const items: ArrayItem[] = [];
    if (text[position] === '}') {
      position += 1;
      return items;
    }
    for (;;) {
      const char = text[position];
      if (char === '{') items.push(parseLevel());
      else if (char === '"') {
        position += 1;
        let value = '';
        while (text[position] !== '"') {
          if (position >= text.length) throw new Error(`unterminated array element: ${text}`);
          if (text[position] === '\\') position += 1;
          value += text[position];
          position += 1;
        }
        position += 1;
        items.push(value);
      } else {
        let end = position;
        while (end < text.length && text[end] !== ',' && text[end] !== '}') end += 1;
        const raw = text.slice(position, end).trim();
        items.push(raw === 'NULL' ? null : raw);
        position = end;
      }
      const separator = text[position];
      position += 1;
      if (separator === '}') return items;
      if (separator !== ',') throw new Error(`malformed array literal: ${text}`);
    }
  };
  return parseLevel();
}
