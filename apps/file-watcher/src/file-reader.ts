/**
 * Reads a stable file once: its SHA-256, size and first bytes (for the media type), through
 * one file handle. Bounded: one buffer of at most 256 KiB per read in progress, whatever the
 * file's size; the caller bounds how many reads run at once.
 *
 * Safety, each case an outcome instead of an exception:
 * - a symbolic link is followed only when its real target lies inside the watched folder;
 * - the file is opened with O_NOFOLLOW (a path swapped for a link after the check fails)
 *   and O_NONBLOCK (a FIFO with a matching name cannot block the read), then must be a
 *   regular file;
 * - the file must not have changed since it was found stable, nor while it was read (size,
 *   modification time, inode before and after): else it goes back to the stability check.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { relativeInside } from './file-filter';
import { sameObservation, type FileObservation } from './file-stability';
import { skipReasonOf, type SkipReason } from './skip-reasons';

export const HEAD_BYTES = 64 * 1024;
const MAX_BUFFER_BYTES = 256 * 1024;

export type ReadOutcome =
  | {
      kind: 'read';
      sha256: string;
      size: number;
      mtimeMs: number;
      /** The first HEAD_BYTES bytes (fewer for a smaller file). */
      head: Buffer;
      /** What was opened: the path, or a symlink's real target. */
      readPath: string;
    }
  | { kind: 'changed' }
  | { kind: 'skipped'; reason: SkipReason; error?: unknown; target?: string };

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const observationOf = (stats: { size: number; mtimeMs: number; ino: number }): FileObservation => ({
  size: stats.size,
  mtimeMs: stats.mtimeMs,
  ino: stats.ino,
});

/**
 * `expected` is the observation the stability check ended on (of the link itself, for a
 * symlink); the file read must still match it.
 */
export async function readStableFile(root: string, path: string, expected: FileObservation): Promise<ReadOutcome> {
  let readPath = path;
  let isLink = false;
  try {
    const own = await lstat(path);
    if (own.isSymbolicLink()) {
      isLink = true;
      const target = await realpath(path).catch(() => undefined);
      const inside = target === undefined ? undefined : relativeInside(await realpath(root), target);
      if (target === undefined || inside === undefined || inside === '') {
        return { kind: 'skipped', reason: 'symlink_outside', ...(target === undefined ? {} : { target }) };
      }
      readPath = target;
    } else if (!sameObservation(observationOf(own), expected)) {
      return { kind: 'changed' };
    }
  } catch (error) {
    return { kind: 'skipped', reason: skipReasonOf(error), error };
  }

  let handle;
  try {
    handle = await open(readPath, OPEN_FLAGS);
  } catch (error) {
    return { kind: 'skipped', reason: skipReasonOf(error), error };
  }
  try {
    const before = await handle.stat();
    if (!before.isFile()) return { kind: 'skipped', reason: 'not_a_file' };
    if (!isLink && !sameObservation(observationOf(before), expected)) return { kind: 'changed' };
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(Math.min(MAX_BUFFER_BYTES, Math.max(before.size, 4096)));
    const head = Buffer.allocUnsafe(Math.min(HEAD_BYTES, before.size));
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      if (position < head.length) buffer.copy(head, position, 0, Math.min(bytesRead, head.length - position));
      position += bytesRead;
    }
    const after = await handle.stat();
    if (position !== before.size || !sameObservation(observationOf(after), observationOf(before))) {
      return { kind: 'changed' };
    }
    return {
      kind: 'read',
      sha256: hash.digest('hex'),
      size: position,
      mtimeMs: after.mtimeMs,
      head: head.subarray(0, Math.min(head.length, position)),
      readPath,
    };
  } catch (error) {
    return { kind: 'skipped', reason: skipReasonOf(error), error };
  } finally {
    await handle.close();
  }
}
