import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Folders under apps/ that are commands an operator runs, not long-running services. */
export const OPERATOR_COMMANDS: ReadonlySet<string> = new Set(['flowline-cli']);

/**
 * Every service under `<repoRoot>/apps`, sorted: a folder with a project.json or package.json
 * that is not an operator command. The deployment descriptions (docker-compose, deploy/k8s)
 * are each checked to cover exactly these.
 */
export function deployableApps(repoRoot: string): string[] {
  const appsDir = path.join(repoRoot, 'apps');
  if (!existsSync(appsDir)) return [];
  return readdirSync(appsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter(
      (name) =>
        existsSync(path.join(appsDir, name, 'project.json')) || existsSync(path.join(appsDir, name, 'package.json')),
    )
    .filter((name) => !OPERATOR_COMMANDS.has(name))
    .sort();
}
