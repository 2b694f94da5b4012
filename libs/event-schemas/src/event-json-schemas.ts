/**
 * JSON Schema for each event type and version, derived from the zod schemas so the published
 * contract cannot drift from what `decodeEvent` accepts. Generated in zod's `input` mode: it
 * describes what may be on the wire, which leaves additional properties open (the catalogue's
 * tolerant-reader rule) where `output` mode would forbid them.
 * Cross-field rules (`superRefine`, e.g. "approved needs a total") have no JSON Schema form;
 * the schema descriptions state them.
 */
import { z } from 'zod';
import { eventCatalog, EVENT_TYPES, EventType } from './event-catalog';

export type JsonSchema = Record<string, unknown>;

/** Which JSON Schema dialect: 2020-12 for standalone files, draft-07 inside AsyncAPI 3.0 (its schema format extends draft-07). */
export type JsonSchemaDialect = 'draft-2020-12' | 'draft-7';

export interface VersionedJsonSchema {
  readonly type: EventType;
  readonly version: number;
  readonly schema: JsonSchema;
}

export function eventJsonSchema(type: EventType, version: number, dialect: JsonSchemaDialect): JsonSchema {
  const entry = eventCatalog[type].versions[version - 1];
  if (entry === undefined) throw new RangeError(`${type} has no schema version ${version}`);
  // `unrepresentable: 'throw'` (the default) keeps non-JSON types (Date, bigint) out of the catalogue.
  const generated = z.toJSONSchema(entry.schema, { io: 'input', target: dialect }) as JsonSchema;
  // Title first, after the dialect, so a reader of the file sees what it describes.
  return { $schema: generated['$schema'], title: `${type} v${version}`, ...generated };
}

/** Every version of every catalogue type, in catalogue then version order. */
export function allEventJsonSchemas(dialect: JsonSchemaDialect): readonly VersionedJsonSchema[] {
  return EVENT_TYPES.flatMap((type) =>
    eventCatalog[type].versions.map(({ version }) => ({
      type,
      version,
      schema: eventJsonSchema(type, version, dialect),
    })),
  );
}
