/**
 * Which paths of a watched folder are files to publish. Pure: decisions over path text and
 * a file's kind, no disk access.
 */
import { relative, sep } from 'node:path';

export const ANY_EXTENSION = 'any';
/** Lower-case extensions with their dot (`.pdf`, `.tar.gz`), or every file. */
export type ExtensionFilter = readonly string[] | typeof ANY_EXTENSION;

/** `PDF`, `pdf` and `.pdf` all mean `.pdf`; `*` anywhere in the list means every file. */
export function normaliseExtensions(extensions: readonly string[]): ExtensionFilter {
  if (extensions.some((extension) => extension.trim() === '*')) return ANY_EXTENSION;
  return [
    ...new Set(
      extensions.map((extension) => {
        const lower = extension.trim().toLowerCase();
        return lower.startsWith('.') ? lower : `.${lower}`;
      }),
    ),
  ];
}

/** Case-insensitive: `Scan.PDF` matches `.pdf`. A name that is only the extension (`.pdf`) does not. */
export function matchesExtension(name: string, extensions: ExtensionFilter): boolean {
  if (extensions === ANY_EXTENSION) return true;
  const lower = name.toLowerCase();
  return extensions.some((extension) => lower.length > extension.length && lower.endsWith(extension));
}

/**
 * The path of `path` inside `root`, '/'-separated ('' for the root itself), or undefined when
 * it lies outside (`..`, another drive): what a symlink's target or a configured folder is
 * checked with.
 */
export function relativeInside(root: string, path: string): string | undefined {
  const inside = relative(root, path);
  if (inside === '') return '';
  if (inside === '..' || inside.startsWith(`..${sep}`) || /^[a-zA-Z]:|^[\\/]/.test(inside)) return undefined;
  return inside.split(sep).join('/');
}

/**
 * Hidden entries (a segment starting with `.`) are never published: editors' and uploaders'
 * temporary files (`.~lock.x.docx#`, `.invoice.pdf.part`), and storage snapshots such as
 * NFS `.snapshot` folders, which would publish every old copy.
 */
export function isHidden(relativePath: string): boolean {
  return relativePath.split('/').some((segment) => segment.startsWith('.'));
}

export interface IgnoreRule {
  root: string;
  extensions: ExtensionFilter;
  /** Subtrees never watched (the `processed/` folder, a claim-check folder inside the watched one). */
  excluded: readonly string[];
}

/**
 * chokidar's `ignored` test: may be asked first with the path alone, then with its stats.
 * Folders are never ignored by extension; files only once their stats say they are no folder.
 */
export function isIgnored(rule: IgnoreRule, path: string, kind: 'directory' | 'other' | undefined): boolean {
  const inside = relativeInside(rule.root, path);
  // Above the root (chokidar watches a missing root through its parent): leave to chokidar.
  if (inside === undefined || inside === '') return false;
  if (isHidden(inside)) return true;
  if (rule.excluded.some((excluded) => relativeInside(excluded, path) !== undefined)) return true;
  if (kind === 'other') return !matchesExtension(inside.slice(inside.lastIndexOf('/') + 1), rule.extensions);
  return false;
}
