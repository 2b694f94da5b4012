/**
 * From a stable file to a published event, with bounded work in hand:
 *
 *   stable files ─► read (hash, first bytes; FILE_READ_CONCURRENCY at once)
 *                ─► batches of FILE_PUBLISH_BATCH_SIZE, one at a time:
 *                     1. one query: which contents were published before (duplicates)
 *                     2. each new content copied to the claim-check store (bounded, as reads)
 *                     3. every event of the batch published at once (the coalescing
 *                        publisher sends them in few produce requests), each awaited to Kafka's ack
 *                     4. one insert records the acknowledged contents — only now
 *                     5. files moved or deleted as their folder says
 *
 * Bounds: at most FILE_READ_CONCURRENCY files open (reading or copying) at once, and at
 * most two batches of read results waiting; a burst waits as paths in the queue, never as
 * content. Batches run one after another, so a content seen twice in a burst is looked up
 * after the first copy's record is written, and published once.
 *
 * Delivery: a content is recorded only after Kafka acknowledged its event, so a crash between
 * the two publishes it again at the next start with the same event id (derived from the
 * hash) rather than losing it. While PostgreSQL or Kafka is unreachable, batches wait and
 * retry; only a stop leaves a batch unfinished, and its files on disk for the next start.
 */
import { ClaimContentMismatch, type ClaimCheckStore } from '@flowline/claim-check';
import type { FlowlineEvent, DerivedTypeEvent } from '@flowline/event-schemas';
import type { Logger } from '@flowline/telemetry';
import { applyAfterPublish } from './after-publish';
import type { StableFile } from './file-settler';
import { fileUploadedEvent } from './file-uploaded-event';
import { readStableFile } from './file-reader';
import type { FileWatcherMetrics } from './file-watcher-metrics';
import { detectMediaType } from './media-type';
import type { PublishedContent, PublishedFiles } from './published-files';
import { skipReasonOf, type SkipReason } from './skip-reasons';
import type { WatchedFolder } from './watched-folders';

export interface FilePipelineOptions {
  readConcurrency: number;
  batchSize: number;
  /** Resolves once Kafka acknowledged the event. */
  publish(event: FlowlineEvent | DerivedTypeEvent): Promise<void>;
  published: Pick<PublishedFiles, 'find' | 'record'>;
  claimStoreOf(folder: WatchedFolder): ClaimCheckStore;
  /** A file changed after it was found stable: back to the stability check. */
  retrack(folder: WatchedFolder, path: string): void;
  skipped(folder: WatchedFolder, relativePath: string, reason: SkipReason, error?: unknown): void;
  logger: Logger;
  metrics: FileWatcherMetrics;
}

/**
 * Files up to this size keep the bytes already read (the reader's first bytes are the whole
 * file) and are stored from them: no second open and read. At most two batches of them wait,
 * so this holds 2 × FILE_PUBLISH_BATCH_SIZE × 16 KiB at most (16 MiB with the defaults).
 */
const KEPT_CONTENT_BYTES = 16 * 1024;

interface ReadFile {
  /** The whole content, for small files. */
  content: Buffer | undefined;
  file: StableFile;
  sha256: string;
  size: number;
  mtimeMs: number;
  mediaType: string;
  readPath: string;
}

/** The outcome of one content of a batch. */
interface ContentOutcome {
  sha256: string;
  files: ReadFile[];
  /** Published before this batch, or now (then `publishedFile` is the copy published). */
  content: PublishedContent | undefined;
  publishedFile?: ReadFile;
  event?: FlowlineEvent | DerivedTypeEvent;
}

/** A first-in-first-out queue without Array#shift's copying. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** An error of the file system (ENOENT, EACCES, …), as opposed to one of the claim-check store's own. */
const isSystemError = (error: unknown): boolean =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class FilePipeline {
  readonly name = 'file-pipeline';
  private readonly toRead = new Fifo<StableFile>();
  private readonly readResults: ReadFile[] = [];
  private activeReads = 0;
  private readonly reading = new Set<Promise<void>>();
  private inBatch = 0;
  private batching: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: FilePipelineOptions) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Stops taking files, lets the reads in progress end and the batch in progress finish
   * (published and recorded). Files still queued are left on disk: the next start finds them.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.toRead.clear();
    await Promise.all(this.reading);
    this.readResults.length = 0;
    await this.batching;
  }

  /** Files in hand: queued, being read, read and waiting, or in the batch being published. */
  get size(): number {
    return this.toRead.length + this.activeReads + this.readResults.length + this.inBatch;
  }

  submit(file: StableFile): void {
    if (this.stopped) return;
    this.toRead.push(file);
    this.pump();
  }

  private pump(): void {
    const maxWaiting = 2 * this.options.batchSize;
    while (
      !this.stopped &&
      this.activeReads < this.options.readConcurrency &&
      this.readResults.length + this.activeReads < maxWaiting &&
      this.toRead.length > 0
    ) {
      const file = this.toRead.shift() as StableFile;
      this.activeReads += 1;
      const read = this.read(file).finally(() => {
        this.activeReads -= 1;
        this.reading.delete(read);
        this.pump();
      });
      this.reading.add(read);
    }
  }

  private async read(file: StableFile): Promise<void> {
    const { folder, relativePath } = file;
    const outcome = await readStableFile(folder.path, file.path, file.observation);
    if (outcome.kind === 'changed') {
      this.options.metrics.changedWhileRead.inc({ folder: folder.name });
      this.options.retrack(folder, file.path);
      return;
    }
    if (outcome.kind === 'skipped') {
      this.options.skipped(folder, relativePath, outcome.reason, outcome.error);
      return;
    }
    this.options.metrics.bytesRead.inc({ folder: folder.name }, outcome.size);
    if (outcome.size === 0) {
      this.options.skipped(folder, relativePath, 'empty');
      return;
    }
    if (this.stopped) return;
    const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    this.readResults.push({
      content: outcome.size <= KEPT_CONTENT_BYTES ? outcome.head : undefined,
      file,
      sha256: outcome.sha256,
      size: outcome.size,
      mtimeMs: outcome.mtimeMs,
      mediaType: await detectMediaType(outcome.head, name),
      readPath: outcome.readPath,
    });
    this.kickBatches();
  }

  private kickBatches(): void {
    if (this.batching !== undefined || this.readResults.length === 0) return;
    this.batching = this.runBatches().finally(() => {
      this.batching = undefined;
      if (!this.stopped) this.kickBatches();
    });
  }

  private async runBatches(): Promise<void> {
    while (this.readResults.length > 0) {
      const batch = this.readResults.splice(0, this.options.batchSize);
      this.inBatch = batch.length;
      this.pump();
      try {
        await this.publishBatch(batch);
      } catch (error) {
        // Not expected (each step handles its own failures); the files stay on disk for the next start.
        this.options.logger.error({ err: error, files: batch.length }, 'a batch of files failed');
      } finally {
        this.inBatch = 0;
      }
    }
  }

  private async publishBatch(batch: ReadFile[]): Promise<void> {
    const { logger, metrics } = this.options;
    const byContent = new Map<string, ReadFile[]>();
    for (const read of batch) byContent.set(read.sha256, [...(byContent.get(read.sha256) ?? []), read]);

    const lookup = await this.untilDone('look up published contents', () =>
      this.options.published.find([...byContent.keys()]),
    );
    if (lookup === undefined) return;
    const known = lookup.value;
    const outcomes: ContentOutcome[] = [...byContent].map(([sha256, files]) => ({
      sha256,
      files,
      content: known.get(sha256),
    }));

    // Store each new content and build its event (bounded: each put reads the file again).
    const fresh = outcomes.filter((outcome) => outcome.content === undefined);
    await forEachBounded(fresh, this.options.readConcurrency, (outcome) => this.prepare(outcome));

    // Publish them all at once; each resolves on Kafka's ack.
    const toPublish = fresh.flatMap((outcome) =>
      outcome.event === undefined || outcome.publishedFile === undefined
        ? []
        : [{ outcome, event: outcome.event, file: outcome.publishedFile }],
    );
    const acked = await this.publishUntilAcked(toPublish.map(({ event }) => event));
    const recorded: PublishedContent[] = [];
    toPublish.forEach(({ outcome, event, file }, i) => {
      if (!acked[i]) return;
      const content: PublishedContent = {
        sha256: outcome.sha256,
        eventId: event.id,
        folder: file.file.folder.name,
        firstPath: file.file.relativePath,
        size: file.size,
      };
      outcome.content = content;
      recorded.push(content);
      metrics.published.inc({ folder: content.folder });
      metrics.stableToAckSeconds.observe({ folder: content.folder }, (Date.now() - file.file.stableAt) / 1000);
      logger.info(
        {
          folder: content.folder,
          path: content.firstPath,
          sha256: content.sha256,
          event_id: content.eventId,
          size: content.size,
          media_type: file.mediaType,
        },
        'file published',
      );
    });

    const written = await this.untilDone('record published contents', () => this.options.published.record(recorded));
    if (written === undefined) {
      logger.warn(
        { files: recorded.length },
        'published but not recorded before shutdown: published again, with the same event ids, at the next start',
      );
    }

    // Duplicates: every other copy of a published content.
    const done: { read: ReadFile; sha256: string }[] = [];
    for (const outcome of outcomes) {
      if (outcome.content === undefined) continue;
      for (const read of outcome.files) {
        done.push({ read, sha256: outcome.sha256 });
        if (read === outcome.publishedFile) continue;
        metrics.duplicates.inc({ folder: read.file.folder.name });
        logger.info(
          {
            folder: read.file.folder.name,
            path: read.file.relativePath,
            sha256: outcome.sha256,
            event_id: outcome.content.eventId,
            first_folder: outcome.content.folder,
            first_path: outcome.content.firstPath,
          },
          'duplicate content: not published again',
        );
      }
    }
    await forEachBounded(done, this.options.readConcurrency, ({ read, sha256 }) => this.afterPublish(read, sha256));
  }

  /** Copies the content to its claim-check store and builds the event, from the first copy still intact. */
  private async prepare(outcome: ContentOutcome): Promise<void> {
    for (const read of outcome.files) {
      const { folder, relativePath, path } = read.file;
      try {
        const stored = await this.options
          .claimStoreOf(folder)
          .put(read.content ?? read.readPath, { expectedSha256: outcome.sha256 });
        outcome.publishedFile = read;
        outcome.event = fileUploadedEvent({
          folder,
          path,
          relativePath,
          size: read.size,
          sha256: outcome.sha256,
          mediaType: read.mediaType,
          modifiedAt: new Date(read.mtimeMs),
          location: stored.reference,
        });
        return;
      } catch (error) {
        if (error instanceof ClaimContentMismatch) {
          this.options.metrics.changedWhileRead.inc({ folder: folder.name });
          this.options.retrack(folder, path);
        } else if (isSystemError(error)) {
          this.options.skipped(folder, relativePath, skipReasonOf(error), error);
        } else {
          this.options.logger.error(
            { err: error, folder: folder.name, path: relativePath },
            'storing the file in the claim-check store failed: it is read again at the next start',
          );
        }
      }
    }
    outcome.files = [];
  }

  private async afterPublish(read: ReadFile, sha256: string): Promise<void> {
    const { folder, path, relativePath } = read.file;
    try {
      await applyAfterPublish(folder, path, relativePath, sha256);
    } catch (error) {
      this.options.metrics.afterPublishFailures.inc({ folder: folder.name, action: folder.afterPublish });
      this.options.logger.warn(
        { err: error, folder: folder.name, path: relativePath, action: folder.afterPublish },
        'could not move or delete a published file: it stays, and is found a duplicate at the next start',
      );
    }
  }

  /**
   * Publishes the events, each awaited to Kafka's ack, and publishes again those refused (the
   * broker restarting, unreachable) with untilDone's backoff until every one is acknowledged or
   * the pipeline stops. An event id is derived from the content, so a second try that lands
   * twice is one event to its consumers. Says, per event, whether it was acknowledged.
   */
  private async publishUntilAcked(events: readonly (FlowlineEvent | DerivedTypeEvent)[]): Promise<boolean[]> {
    const acked = events.map(() => false);
    const done = await this.untilDone('publish files to Kafka', async () => {
      const waiting = events.flatMap((event, i) => (acked[i] === true ? [] : [{ event, i }]));
      const settled = await Promise.allSettled(waiting.map(({ event }) => this.options.publish(event)));
      settled.forEach((result, j) => {
        if (result.status === 'fulfilled') acked[(waiting[j] as (typeof waiting)[number]).i] = true;
      });
      const refused = settled.find((result) => result.status === 'rejected');
      if (refused !== undefined) throw refused.reason;
    });
    if (done === undefined && acked.includes(false)) {
      this.options.logger.error(
        { files: acked.filter((ok) => !ok).length },
        'publishing failed at shutdown: the files stay and are published at the next start',
      );
    }
    return acked;
  }

  /** Retries a step (a database query, a publish) with backoff until it succeeds; undefined when the pipeline stopped first. */
  private async untilDone<T>(what: string, step: () => Promise<T>): Promise<{ value: T } | undefined> {
    let delayMs = 200;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return { value: await step() };
      } catch (error) {
        if (this.stopped) return undefined;
        this.options.logger.warn({ err: error, attempt }, `could not ${what}; retrying`);
        await sleep(delayMs);
        delayMs = Math.min(delayMs * 2, 5_000);
      }
    }
  }
}
