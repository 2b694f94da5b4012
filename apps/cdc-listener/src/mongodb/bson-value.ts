/**
 * BSON values → JSON in data.changed events (MongoDB). Stated once here and in the README:
 *
 * | BSON                     | JSON                                                    |
 * |--------------------------|---------------------------------------------------------|
 * | string, boolean, null    | as is                                                   |
 * | int32, double            | number; NaN and ±Infinity as strings                    |
 * | int64                    | number when the driver gives one (it fits 2^53), else string |
 * | Decimal128               | string, exact ("10.50"), never a float                  |
 * | ObjectId                 | string, 24 hex digits                                   |
 * | Date                     | string, RFC 3339 UTC with milliseconds                  |
 * | Binary                   | string, base64 (UUID subtype 4: the UUID string)        |
 * | Timestamp                | { t, i }                                                |
 * | regular expression       | "/pattern/flags"                                        |
 * | embedded documents, arrays | recursively                                           |
 * | others (MinKey, Code, …) | their relaxed Extended JSON                             |
 */
import { BSON } from 'mongodb';
import type { JsonValue } from '../json-value';

interface Tagged {
  _bsontype?: string;
}

export function bsonToJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(bsonToJson);
  if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
  // Functions and symbols have no BSON form.
  if (typeof value !== 'object') return null;
  switch ((value as Tagged)._bsontype) {
    case undefined: {
      const result: Record<string, JsonValue> = {};
      for (const [key, item] of Object.entries(value)) result[key] = bsonToJson(item);
      return result;
    }
    case 'ObjectId':
      return (value as BSON.ObjectId).toHexString();
    case 'Decimal128':
      return (value as BSON.Decimal128).toString();
    case 'Long':
      return (value as BSON.Long).toString();
    case 'Int32':
    case 'Double':
      return bsonToJson((value as BSON.Int32 | BSON.Double).valueOf());
    case 'Binary': {
      const binary = value as BSON.Binary;
      if (binary.sub_type === BSON.Binary.SUBTYPE_UUID) return binary.toUUID().toString();
      return Buffer.from(binary.buffer).toString('base64');
    }
    case 'Timestamp': {
      const timestamp = value as BSON.Timestamp;
      return { t: timestamp.t, i: timestamp.i };
    }
    case 'BSONRegExp': {
      const regexp = value as BSON.BSONRegExp;
      return `/${regexp.pattern}/${regexp.options}`;
    }
    default:
      return BSON.EJSON.serialize(value, { relaxed: true });
  }
}
