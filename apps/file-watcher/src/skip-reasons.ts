/**
 * Why a file was not published (the `reason` label of flowline_files_skipped_total), and
 * which file-system errors mean which. Pure.
 */
export const SKIP_REASONS = [
  /** Deleted (or moved away) before it was read. */
  'vanished',
  /** EACCES / EPERM: the watcher's user may not read it. */
  'unreadable',
  /** A symbolic link whose target lies outside the watched folder, or a dangling one. */
  'symlink_outside',
  /** A FIFO, socket or device with a matching name: never opened for reading (it could block). */
  'not_a_file',
  /** Zero bytes: an upload that failed or has not started; published once content arrives. */
  'empty',
  /** Any other read error (EIO, a stale NFS handle, …). */
  'read_error',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** The reason a file-system error skips a file. */
export function skipReasonOf(error: unknown): SkipReason {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'vanished';
    case 'EACCES':
    case 'EPERM':
      return 'unreadable';
    case 'ELOOP':
      // Opened with O_NOFOLLOW: the path became a symlink after it was checked.
      return 'symlink_outside';
    case 'ENXIO':
    case 'EISDIR':
    case 'ENODEV':
      return 'not_a_file';
    default:
      return 'read_error';
  }
}

/** A log line for each reason: what happened and what an operator does about it. */
export const SKIP_MESSAGES: Record<SkipReason, string> = {
  vanished: 'file gone before it was read: skipped',
  unreadable: 'file not readable by the watcher (permissions): skipped; fix its mode or owner and touch it',
  symlink_outside: 'symbolic link leading outside the watched folder: skipped',
  not_a_file: 'not a regular file (FIFO, socket or device): skipped',
  empty: 'file is empty: skipped until it has content',
  read_error: 'file could not be read: skipped; it is read again when it changes or at the next start',
};
