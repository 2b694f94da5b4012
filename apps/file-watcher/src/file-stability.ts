/**
 * When a file has stopped changing. A writer that copies a large file in chunks changes its
 * size and modification time with every chunk; the file is published only once both stayed
 * the same for the folder's stability window (FILE_WATCH_STABILITY_MS), and no change event
 * arrived in that time either.
 *
 * The decision rests on what stat() says at two moments a window apart, not on change events
 * alone: in polling mode, and on network volumes where inotify events are missing, the timer
 * still sees a growing file. The modification time alone is not trusted (no "mtime is old
 * enough, publish at once"): a network filesystem stamps it with the server's clock.
 *
 * A writer that pauses longer than the window mid-file would still be published early; the
 * reader then checks the file did not change while it was read (file-reader.ts), and a later
 * change is a new content, published again.
 */
export interface FileObservation {
  size: number;
  mtimeMs: number;
  /** Inode: a file replaced by another of the same size and time is still a change. */
  ino: number;
}

export interface TrackedFile {
  /** The last stat() of the file and when it was taken. */
  observation: FileObservation;
  observedAt: number;
  /** The last change event for the path. */
  lastEventAt: number;
}

export type StabilityDecision = { stable: true } | { stable: false; recheckAt: number };

export function sameObservation(a: FileObservation, b: FileObservation): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/** Given a fresh stat (`current`, taken at `now`): publish, or look again at `recheckAt`. */
export function decideStability(
  tracked: TrackedFile,
  current: FileObservation,
  now: number,
  windowMs: number,
): StabilityDecision {
  if (!sameObservation(tracked.observation, current)) return { stable: false, recheckAt: now + windowMs };
  const quietSince = Math.max(tracked.observedAt, tracked.lastEventAt);
  if (now - quietSince < windowMs) return { stable: false, recheckAt: quietSince + windowMs };
  return { stable: true };
}
