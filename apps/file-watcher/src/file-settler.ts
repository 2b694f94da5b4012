/**
 * Holds each found file until it has stopped changing (file-stability.ts decides), then
 * hands it on. One timer per waiting file, and one lstat() when a file is first seen, on
 * each change event (at most one in flight per file) and each time its timer fires: a burst
 * of 10,000 files costs 10,000 small entries (path and stat numbers), never their content.
 */
import { lstat } from 'node:fs/promises';
import { relativeInside } from './file-filter';
import { decideStability, sameObservation, type FileObservation, type TrackedFile } from './file-stability';
import { skipReasonOf, type SkipReason } from './skip-reasons';
import type { WatchedFolder } from './watched-folders';

export interface StableFile {
  folder: WatchedFolder;
  path: string;
  relativePath: string;
  observation: FileObservation;
  /** When it was found stable (ms since the epoch). */
  stableAt: number;
}

export interface FileSettlerOptions {
  onStable(file: StableFile): void;
  onSkipped(folder: WatchedFolder, relativePath: string, reason: SkipReason, error?: unknown): void;
  now?: () => number;
}

interface Waiting {
  folder: WatchedFolder;
  path: string;
  relativePath: string;
  tracked: TrackedFile | undefined;
  lastEventAt: number;
  timer: NodeJS.Timeout | undefined;
  /** An lstat() after a change event is in flight (at most one per file). */
  restating: boolean;
}

export class FileSettler {
  readonly name = 'file-settler';
  private readonly waiting = new Map<string, Waiting>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly options: FileSettlerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Drops every waiting file: they are still on disk, and found again at the next start. */
  stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.waiting.values()) clearTimeout(entry.timer);
    this.waiting.clear();
    return Promise.resolve();
  }

  /** Files waiting to become stable. */
  get size(): number {
    return this.waiting.size;
  }

  /** A file was added or changed (or must be looked at again). */
  track(folder: WatchedFolder, path: string): void {
    if (this.stopped) return;
    const existing = this.waiting.get(path);
    if (existing !== undefined) {
      existing.lastEventAt = this.now();
      this.restat(existing);
      return;
    }
    const relativePath = relativeInside(folder.path, path);
    if (relativePath === undefined || relativePath === '') return;
    const entry: Waiting = {
      folder,
      path,
      relativePath,
      tracked: undefined,
      lastEventAt: this.now(),
      timer: undefined,
      restating: false,
    };
    this.waiting.set(path, entry);
    void this.check(entry);
  }

  /** A file was removed; true when it was still waiting (it vanished before it was read). */
  forget(path: string): boolean {
    const entry = this.waiting.get(path);
    if (entry === undefined) return false;
    clearTimeout(entry.timer);
    this.waiting.delete(path);
    return true;
  }

  private async check(entry: Waiting): Promise<void> {
    let current: FileObservation;
    let isDirectory = false;
    try {
      const stats = await lstat(entry.path);
      isDirectory = stats.isDirectory();
      current = { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino };
    } catch (error) {
      if (this.waiting.get(entry.path) !== entry) return;
      this.waiting.delete(entry.path);
      this.options.onSkipped(entry.folder, entry.relativePath, skipReasonOf(error), error);
      return;
    }
    // Forgotten (removed, or the settler stopped) while lstat() ran.
    if (this.waiting.get(entry.path) !== entry) return;
    if (isDirectory) {
      this.waiting.delete(entry.path);
      return;
    }
    const now = this.now();
    const windowMs = entry.folder.stabilityMs;
    if (entry.tracked === undefined) {
      entry.tracked = { observation: current, observedAt: now, lastEventAt: entry.lastEventAt };
      this.arm(entry, now + windowMs);
      return;
    }
    const decision = decideStability({ ...entry.tracked, lastEventAt: entry.lastEventAt }, current, now, windowMs);
    if (decision.stable) {
      this.waiting.delete(entry.path);
      this.options.onStable({
        folder: entry.folder,
        path: entry.path,
        relativePath: entry.relativePath,
        observation: current,
        stableAt: now,
      });
      return;
    }
    this.observe(entry, current, now);
    this.arm(entry, decision.recheckAt);
  }

  /**
   * After a change event, a fresh stat becomes the observation the window is measured from.
   * Without it, a file first seen while it was still being written (the add event comes
   * when it is created, the close a moment later) differs from that first stat when its
   * timer fires, and waits a second whole window. The rule stays: two stats a window apart,
   * the same, with no change event in between. One lstat() in flight per file; a failure is
   * left to the timer's check, which reports it.
   */
  private restat(entry: Waiting): void {
    if (entry.tracked === undefined || entry.restating) return;
    entry.restating = true;
    lstat(entry.path).then(
      (stats) => {
        entry.restating = false;
        if (this.waiting.get(entry.path) !== entry || entry.tracked === undefined) return;
        this.observe(entry, { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino }, this.now());
      },
      () => {
        entry.restating = false;
      },
    );
  }

  /** A stat that differs from the file's observation starts its window anew. */
  private observe(entry: Waiting, current: FileObservation, now: number): void {
    if (entry.tracked !== undefined && !sameObservation(entry.tracked.observation, current)) {
      entry.tracked = { observation: current, observedAt: now, lastEventAt: entry.lastEventAt };
    }
  }

  private arm(entry: Waiting, at: number): void {
    entry.timer = setTimeout(() => void this.check(entry), Math.max(0, at - this.now()));
  }
}
