/**
 * Everything under docs/ that is generated from this lib: one JSON Schema per event type and
 * version, and the AsyncAPI document. Pure, so the staleness test renders in memory what
 * generate-docs.ts writes.
 */
import path from 'node:path';
import { asyncApiYaml } from './asyncapi-document';
import { allEventJsonSchemas } from './event-json-schemas';

/** The repository's docs/ folder (this file sits in libs/event-schemas/src, or dist once built). */
export const DOCS_DIRECTORY = path.resolve(__dirname, '..', '..', '..', 'docs');

/** The folder under docs/ that holds only generated JSON Schemas, so stale ones can be removed. */
export const SCHEMAS_FOLDER = 'schemas';

/** Generated files: path relative to docs/ → content. */
export function renderEventDocs(): ReadonlyMap<string, string> {
  const files = new Map<string, string>();
  for (const { type, version, schema } of allEventJsonSchemas('draft-2020-12')) {
    files.set(`${SCHEMAS_FOLDER}/${type}.v${version}.json`, `${JSON.stringify(schema, null, 2)}\n`);
  }
  files.set('asyncapi.yaml', asyncApiYaml());
  return files;
}
