/** `npm run k8s:generate`: writes deploy/k8s/base/ from services.ts and the apps' config schemas. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { manifestFiles } from './manifests';

const root = path.resolve(__dirname, '..');
const files = manifestFiles();
// A service taken out of services.ts leaves no stale manifest behind.
for (const name of readdirSync(path.join(root, 'base'), { withFileTypes: true })) {
  if (name.isFile() && !files.has(`base/${name.name}`)) rmSync(path.join(root, 'base', name.name));
}
for (const [file, text] of files) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}
console.log(`wrote ${files.size} files under deploy/k8s/`);
