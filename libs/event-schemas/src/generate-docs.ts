/**
 * Writes the generated event docs (docs/schemas/*.json, docs/asyncapi.yaml) and removes
 * schema files no longer generated. Run with `npm run docs:events`.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DOCS_DIRECTORY, renderEventDocs, SCHEMAS_FOLDER } from './event-docs';

const files = renderEventDocs();
const schemasDirectory = path.join(DOCS_DIRECTORY, SCHEMAS_FOLDER);
mkdirSync(schemasDirectory, { recursive: true });
for (const name of readdirSync(schemasDirectory)) {
  if (!files.has(`${SCHEMAS_FOLDER}/${name}`)) rmSync(path.join(schemasDirectory, name));
}
for (const [relative, content] of files) {
  writeFileSync(path.join(DOCS_DIRECTORY, relative), content);
}
console.log(`wrote ${files.size} files to ${path.relative(process.cwd(), DOCS_DIRECTORY) || '.'}`);
