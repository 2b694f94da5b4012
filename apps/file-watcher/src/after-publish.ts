/**
 * What happens to a file once its content is published (or found published already): left
 * where it is, moved into the folder's processed folder (same relative path), or deleted.
 * A name already taken in the processed folder gets the content's short hash appended
 * (`invoice.3f2a9c1e.pdf`), so an earlier file of the same name is never overwritten.
 */
import { copyFile, link, mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import type { AfterPublishAction } from './config';

export interface AfterPublishTarget {
  afterPublish: AfterPublishAction;
  processedDir: string;
}

/** Where `move` puts a file: pure. */
export function processedPath(processedDir: string, relativePath: string, sha256?: string): string {
  const target = join(processedDir, ...relativePath.split('/'));
  if (sha256 === undefined) return target;
  const extension = extname(target);
  return `${target.slice(0, target.length - extension.length)}.${sha256.slice(0, 8)}${extension}`;
}

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** Moves without overwriting: a hard link fails on an existing name, where a rename would replace it. */
async function moveWithoutOverwrite(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return false;
    if (codeOf(error) !== 'EXDEV' && codeOf(error) !== 'EPERM' && codeOf(error) !== 'ENOTSUP') throw error;
    // Another filesystem (or one without hard links): copy, refusing an existing name, then delete.
    try {
      await copyFile(from, to, 1 /* COPYFILE_EXCL */);
    } catch (copyError) {
      if (codeOf(copyError) === 'EEXIST') return false;
      throw copyError;
    }
  }
  await unlink(from);
  return true;
}

export async function applyAfterPublish(
  folder: AfterPublishTarget,
  path: string,
  relativePath: string,
  sha256: string,
): Promise<void> {
  switch (folder.afterPublish) {
    case 'leave':
      return;
    case 'delete':
      await unlink(path).catch((error: unknown) => {
        if (codeOf(error) !== 'ENOENT') throw error;
      });
      return;
    case 'move': {
      const target = processedPath(folder.processedDir, relativePath);
      await mkdir(dirname(target), { recursive: true });
      if (await moveWithoutOverwrite(path, target)) return;
      if (await moveWithoutOverwrite(path, processedPath(folder.processedDir, relativePath, sha256))) return;
      // The same content under the same name was moved there before: this copy is not needed.
      await rename(path, processedPath(folder.processedDir, relativePath, sha256));
    }
  }
}
