/**
 * Watches one configured folder with chokidar and reports files added, changed and removed.
 * Files already there at start are reported too (ignoreInitial: false), so a restart catches
 * up. Hidden entries, the `processed/` folder and files of other extensions are ignored
 * (file-filter.ts); symbolic links are reported as themselves (followSymlinks: false) and
 * checked when read, and linked folders are not entered.
 *
 * A folder that disappears (an unmounted volume, a deleted directory) is logged and counted,
 * and watched for: a check every FILE_WATCH_FOLDER_CHECK_MS (and chokidar's own events) notice
 * it coming back, and a fresh chokidar watcher then scans it again, catching up every file
 * that arrived meanwhile. Polling mode (stat() on a timer instead of inotify) is for network
 * and container volumes where change events never arrive.
 */
import { stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '@flowline/telemetry';
import { isIgnored, type IgnoreRule } from './file-filter';
import type { FileWatcherMetrics } from './file-watcher-metrics';
import type { WatchedFolder } from './watched-folders';

export interface FolderWatcherOptions {
  onFile(folder: WatchedFolder, path: string): void;
  onRemoved(folder: WatchedFolder, path: string): void;
  checkIntervalMs: number;
  logger: Logger;
  metrics: FileWatcherMetrics;
}

export class FolderWatcher {
  readonly name: string;
  private watcher: FSWatcher | undefined;
  private closing: Promise<void> = Promise.resolve();
  private checkTimer: NodeJS.Timeout | undefined;
  private present = false;
  private checking = false;
  private stopped = false;
  private readonly rule: IgnoreRule;
  private readonly logger: Logger;

  constructor(
    private readonly folder: WatchedFolder,
    private readonly options: FolderWatcherOptions,
  ) {
    this.name = `folder-watcher:${folder.name}`;
    const excluded = [folder.claimCheckDir];
    if (folder.afterPublish === 'move') excluded.push(folder.processedDir);
    this.rule = { root: folder.path, extensions: folder.extensions, excluded };
    this.logger = options.logger.child({ folder: folder.name, folder_path: folder.path });
  }

  async start(): Promise<void> {
    this.present = await this.exists();
    this.options.metrics.folderPresent.set({ folder: this.folder.name }, this.present ? 1 : 0);
    if (!this.present) this.logger.warn('watched folder does not exist: waiting for it to appear');
    this.watcher = this.createWatcher();
    this.checkTimer = setInterval(() => void this.checkPresence(), this.options.checkIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.checkTimer);
    await this.closing;
    await this.watcher?.close();
  }

  private createWatcher(): FSWatcher {
    const { folder } = this;
    const watcher = watch(folder.path, {
      ignoreInitial: false,
      followSymlinks: false,
      ...(folder.recursive ? {} : { depth: 0 }),
      ignored: (path: string, stats?: { isDirectory(): boolean }) =>
        isIgnored(this.rule, path, stats === undefined ? undefined : stats.isDirectory() ? 'directory' : 'other'),
      backend: folder.polling ? 'polling' : 'auto',
      pollingInterval: folder.pollIntervalMs,
      pollingBinaryInterval: folder.pollIntervalMs,
      // Stability is decided by FileSettler (size, mtime and inode over the folder's window,
      // for files found at start too, where chokidar's awaitWriteFinish does not apply).
      awaitWriteFinish: false,
    });
    watcher.on('add', (path) => this.options.onFile(folder, path));
    watcher.on('change', (path) => this.options.onFile(folder, path));
    watcher.on('unlink', (path) => this.options.onRemoved(folder, path));
    watcher.on('unlinkDir', (path) => {
      if (path === folder.path) this.markGone();
    });
    watcher.on('addDir', (path) => {
      if (path === folder.path && !this.present) this.markBack();
    });
    watcher.on('error', (error) => {
      this.options.metrics.watchErrors.inc({ folder: folder.name });
      this.logger.warn({ err: error }, 'file-system watcher error; watching goes on');
    });
    watcher.on('ready', () => this.logger.info({ polling: folder.polling }, 'watching folder'));
    return watcher;
  }

  private async exists(): Promise<boolean> {
    try {
      return (await stat(this.folder.path)).isDirectory();
    } catch {
      return false;
    }
  }

  private async checkPresence(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      const exists = await this.exists();
      if (exists && !this.present) this.markBack();
      else if (!exists && this.present) this.markGone();
    } finally {
      this.checking = false;
    }
  }

  private markGone(): void {
    if (!this.present || this.stopped) return;
    this.present = false;
    this.options.metrics.folderPresent.set({ folder: this.folder.name }, 0);
    this.options.metrics.folderLost.inc({ folder: this.folder.name });
    this.logger.warn('watched folder is gone: waiting for it to come back');
  }

  /** Back: a fresh watcher scans it again, so files that arrived while it was away are caught up. */
  private markBack(): void {
    if (this.present || this.stopped) return;
    this.present = true;
    this.options.metrics.folderPresent.set({ folder: this.folder.name }, 1);
    this.logger.info('watched folder is back: scanning it again');
    const old = this.watcher;
    this.watcher = this.createWatcher();
    this.closing = Promise.all([this.closing, old?.close()]).then(() => undefined);
  }
}
