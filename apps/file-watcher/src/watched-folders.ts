/**
 * The watched folders: from the `folders:` list of the YAML config file, or one folder from
 * FILE_WATCH_DIR, or — with neither — `.flowline/inbox` (the local default). Pure: paths are
 * resolved against a given working directory, nothing is read from disk. Every problem names
 * its place (`folders[1].eventType: …`), all at once.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { isEventType } from '@flowline/event-schemas';
import { ConfigError } from '@flowline/service-runtime';
import {
  AFTER_PUBLISH_ACTIONS,
  CLAIM_CHECK_STORES,
  type AfterPublishAction,
  type ClaimCheckStoreName,
  type FileWatcherConfig,
} from './config';
import { normaliseExtensions, relativeInside, type ExtensionFilter } from './file-filter';

export const DEFAULT_WATCH_DIR = '.flowline/inbox';

export interface WatchedFolder {
  /** Where it was configured (`folders[1]`, `FILE_WATCH_DIR`), for messages. */
  where: string;
  name: string;
  /** Absolute. */
  path: string;
  extensions: ExtensionFilter;
  /** `file.uploaded` or a derived type whose data follows file.uploaded. */
  eventType: string;
  recursive: boolean;
  afterPublish: AfterPublishAction;
  /** Absolute; only used by `move`. */
  processedDir: string;
  polling: boolean;
  pollIntervalMs: number;
  stabilityMs: number;
  claimCheckStore: ClaimCheckStoreName;
  /** Absolute; only used by the `folder` store. */
  claimCheckDir: string;
}

const FOLDER_NAME = /^[a-z0-9][a-z0-9-]*$/;
const TYPE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;
const positiveInt = z.number().int().positive();

const folderSpec = z.strictObject({
  name: z.string().regex(FOLDER_NAME, 'folder names are lower-case letters, digits and -'),
  path: z.string().min(1),
  extensions: z.array(z.string().min(1)).min(1, 'at least one extension, or [*]').optional(),
  eventType: z.string().optional(),
  recursive: z.boolean().optional(),
  afterPublish: z.enum(AFTER_PUBLISH_ACTIONS).optional(),
  processedDir: z.string().min(1).optional(),
  polling: z.boolean().optional(),
  pollIntervalMs: positiveInt.optional(),
  stabilityMs: positiveInt.optional(),
  claimCheckStore: z.enum(CLAIM_CHECK_STORES).optional(),
  claimCheckDir: z.string().min(1).optional(),
});
type FolderSpec = z.output<typeof folderSpec>;

type Problem = { key: string; problem: string };

function eventTypeProblem(type: string): string | undefined {
  if (!TYPE_NAME.test(type)) return `"${type}" is not a reverse-dotted event type such as scan.uploaded`;
  if (type !== 'file.uploaded' && isEventType(type)) {
    return `${type} is a catalogue type with its own schema; a folder's type is file.uploaded or one of its own`;
  }
  return undefined;
}

function toFolder(spec: FolderSpec, where: string, config: FileWatcherConfig, cwd: string): WatchedFolder {
  const path = resolve(cwd, spec.path);
  return {
    where,
    name: spec.name,
    path,
    extensions: normaliseExtensions(spec.extensions ?? config.FILE_WATCH_EXTENSIONS),
    eventType: spec.eventType ?? config.FILE_WATCH_EVENT_TYPE,
    recursive: spec.recursive ?? config.FILE_WATCH_RECURSIVE,
    afterPublish: spec.afterPublish ?? config.FILE_WATCH_AFTER_PUBLISH,
    processedDir: resolve(path, spec.processedDir ?? config.FILE_WATCH_PROCESSED_DIR),
    polling: spec.polling ?? config.FILE_WATCH_POLLING,
    pollIntervalMs: spec.pollIntervalMs ?? config.FILE_WATCH_POLL_INTERVAL_MS,
    stabilityMs: spec.stabilityMs ?? config.FILE_WATCH_STABILITY_MS,
    claimCheckStore: spec.claimCheckStore ?? config.CLAIM_CHECK_STORE,
    claimCheckDir: resolve(cwd, spec.claimCheckDir ?? config.CLAIM_CHECK_DIR),
  };
}

function checkFolder(folder: WatchedFolder, key: (field: string) => string): Problem[] {
  const problems: Problem[] = [];
  const typeProblem = eventTypeProblem(folder.eventType);
  if (typeProblem !== undefined) problems.push({ key: key('eventType'), problem: typeProblem });
  if (folder.afterPublish === 'move' && folder.processedDir === folder.path) {
    problems.push({ key: key('processedDir'), problem: 'must not be the watched folder itself' });
  }
  if (folder.claimCheckStore === 'folder' && relativeInside(folder.claimCheckDir, folder.path) !== undefined) {
    problems.push({
      key: key('claimCheckDir'),
      problem: 'the watched folder must not lie inside the claim-check folder',
    });
  }
  return problems;
}

/** Folders watching the same files: one inside another that is watched recursively, or the same path. */
function overlapProblems(folders: readonly WatchedFolder[]): Problem[] {
  const problems: Problem[] = [];
  folders.forEach((inner, i) => {
    folders.forEach((outer, j) => {
      if (i === j) return;
      const relative = relativeInside(outer.path, inner.path);
      if (relative === undefined) return;
      if (relative === '' ? i > j : outer.recursive) {
        problems.push({
          key: `${inner.where}.path`,
          problem: `${inner.path} is also watched by ${outer.where} (${outer.name}); each file belongs to one folder`,
        });
      }
    });
  });
  return problems;
}

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/** The configured folders, checked. Throws ConfigError naming every bad key. */
export function watchedFolders(config: FileWatcherConfig, cwd: string = process.cwd()): WatchedFolder[] {
  if (config.folders !== undefined && config.FILE_WATCH_DIR !== undefined) {
    throw new ConfigError([
      {
        key: 'FILE_WATCH_DIR',
        problem: 'set either the folders list in the config file or one folder by FILE_WATCH_DIR, not both',
      },
    ]);
  }
  if (config.folders === undefined) {
    const folder = toFolder(
      { name: config.FILE_WATCH_NAME, path: config.FILE_WATCH_DIR ?? DEFAULT_WATCH_DIR },
      'FILE_WATCH_DIR',
      config,
      cwd,
    );
    const envKey: Record<string, string> = {
      eventType: 'FILE_WATCH_EVENT_TYPE',
      processedDir: 'FILE_WATCH_PROCESSED_DIR',
      claimCheckDir: 'CLAIM_CHECK_DIR',
    };
    const problems = checkFolder(folder, (field) => envKey[field] ?? 'FILE_WATCH_DIR');
    if (problems.length > 0) throw new ConfigError(problems);
    return [folder];
  }
  if (config.folders.length === 0) {
    throw new ConfigError([{ key: 'folders', problem: 'lists no folder: list at least one, or remove the key' }]);
  }
  const problems: Problem[] = [];
  const folders: WatchedFolder[] = [];
  config.folders.forEach((raw, index) => {
    const where = `folders[${index}]`;
    const parsed = folderSpec.safeParse(raw);
    if (!parsed.success) {
      problems.push(
        ...parsed.error.issues.map((issue) => ({
          key: pathText(['folders', index, ...issue.path]),
          problem: issue.message,
        })),
      );
      return;
    }
    const folder = toFolder(parsed.data, where, config, cwd);
    problems.push(...checkFolder(folder, (field) => `${where}.${field}`));
    folders.push(folder);
  });
  const seen = new Map<string, string>();
  for (const folder of folders) {
    const first = seen.get(folder.name);
    if (first !== undefined) {
      problems.push({ key: `${folder.where}.name`, problem: `"${folder.name}" is already the name of ${first}` });
    }
    seen.set(folder.name, folder.where);
  }
  problems.push(...overlapProblems(folders));
  if (problems.length > 0) throw new ConfigError(problems);
  return folders;
}
