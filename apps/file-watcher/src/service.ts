/**
 * Watches the configured folders and publishes each finished, new file to `ingress.file`
 * as `file.uploaded` (or a folder's own type whose data follows it), with a claim-check
 * reference to a stored copy instead of the bytes.
 *
 *   FolderWatcher (chokidar, per folder) ─► FileSettler (stable?) ─► FilePipeline
 *     (read and hash, dedupe by content in PostgreSQL, store the copy, publish, record, move/delete)
 *
 * Delivery: at least once, one event id per content. A content is recorded as published
 * only after Kafka acknowledged its event; see published-files.ts and file-pipeline.ts.
 */
import { FolderClaimStore, PostgresClaimStore, type ClaimCheckStore } from '@flowline/claim-check';
import { topicNames } from '@flowline/event-schemas';
import { MessagingClient } from '@flowline/messaging';
import { createPostgresPool, kafkaSettings, type ServiceDefinition } from '@flowline/service-runtime';
import { fileWatcherConfig } from './config';
import { relativeInside } from './file-filter';
import { FilePipeline } from './file-pipeline';
import { FileSettler } from './file-settler';
import { createFileWatcherMetrics } from './file-watcher-metrics';
import { FolderWatcher } from './folder-watcher';
import { PublishedFiles } from './published-files';
import { SKIP_MESSAGES, type SkipReason } from './skip-reasons';
import { watchedFolders, type WatchedFolder } from './watched-folders';

/** Bounds on each database query, so an outage shows as failed attempts (retried), not a hang. */
const DATABASE_TIMEOUT_MS = 10_000;
/** Reasons that are part of normal life (a file deleted while waiting), logged at info. */
const QUIET_REASONS: ReadonlySet<SkipReason> = new Set(['vanished', 'empty']);

export const fileWatcher: ServiceDefinition<typeof fileWatcherConfig> = {
  name: 'file-watcher',
  configSchema: fileWatcherConfig,
  async build({ config, logger, metrics }) {
    // Config problems (a bad folder entry, overlapping folders) stop the start, naming the key.
    const folders = watchedFolders(config);
    for (const folder of folders) {
      logger.info(
        {
          folder: folder.name,
          path: folder.path,
          extensions: folder.extensions,
          event_type: folder.eventType,
          recursive: folder.recursive,
          after_publish: folder.afterPublish,
          polling: folder.polling,
          stability_ms: folder.stabilityMs,
          claim_check: folder.claimCheckStore === 'folder' ? folder.claimCheckDir : 'postgres',
        },
        'watched folder',
      );
    }

    const topics = topicNames(config.FLOWLINE_TOPIC_PREFIX);
    const messaging = new MessagingClient({ ...kafkaSettings(config), clientId: 'file-watcher', logger, metrics });
    await messaging.ensureTopics([topics.ingressFile]);
    const publisher = messaging.createPublisher();

    const pool = createPostgresPool(
      {
        connectionString: config.DATABASE_URL,
        max: 4,
        timeoutMs: DATABASE_TIMEOUT_MS,
      },
      logger,
      'database',
    );
    const database = { name: 'database-pool', start: () => Promise.resolve(), stop: () => pool.end() };
    const published = new PublishedFiles(pool);

    // One store per claim-check folder, one for PostgreSQL if any folder uses it.
    const folderStores = new Map<string, FolderClaimStore>();
    let postgresStore: PostgresClaimStore | undefined;
    for (const folder of folders) {
      if (folder.claimCheckStore === 'postgres') postgresStore ??= new PostgresClaimStore(pool);
      else if (!folderStores.has(folder.claimCheckDir)) {
        folderStores.set(folder.claimCheckDir, new FolderClaimStore(folder.claimCheckDir));
      }
    }
    const claimStoreOf = (folder: WatchedFolder): ClaimCheckStore =>
      folder.claimCheckStore === 'postgres'
        ? (postgresStore as PostgresClaimStore)
        : (folderStores.get(folder.claimCheckDir) as FolderClaimStore);

    // Files in hand, for the pending gauge (scraped once the parts below exist).
    let filesInHand = (): number => 0;
    const fileMetrics = createFileWatcherMetrics(metrics, () => filesInHand());
    const skipped = (folder: WatchedFolder, relativePath: string, reason: SkipReason, error?: unknown): void => {
      fileMetrics.skipped.inc({ folder: folder.name, reason });
      const line = { folder: folder.name, path: relativePath, reason, ...(error === undefined ? {} : { err: error }) };
      if (QUIET_REASONS.has(reason)) logger.info(line, SKIP_MESSAGES[reason]);
      else logger.warn(line, SKIP_MESSAGES[reason]);
    };
    const settler: FileSettler = new FileSettler({ onStable: (file) => pipeline.submit(file), onSkipped: skipped });
    const pipeline = new FilePipeline({
      readConcurrency: config.FILE_READ_CONCURRENCY,
      batchSize: config.FILE_PUBLISH_BATCH_SIZE,
      publish: (event) => publisher.publish(topics.ingressFile, event),
      published,
      claimStoreOf,
      retrack: (folder, path) => settler.track(folder, path),
      skipped,
      logger,
      metrics: fileMetrics,
    });
    filesInHand = () => settler.size + pipeline.size;
    const watchers = folders.map(
      (folder) =>
        new FolderWatcher(folder, {
          onFile: (watched, path) => settler.track(watched, path),
          onRemoved: (watched, path) => {
            if (settler.forget(path)) skipped(watched, relativeInside(watched.path, path) ?? path, 'vanished');
          },
          checkIntervalMs: config.FILE_WATCH_FOLDER_CHECK_MS,
          logger,
          metrics: fileMetrics,
        }),
    );
    return {
      // Started in order, stopped in reverse: the watchers stop first (no new files), then
      // waiting files are dropped (found again at the next start), the batch in progress is
      // published and recorded, the publisher drains, and the database pool closes last.
      components: [
        database,
        published,
        ...folderStores.values(),
        ...(postgresStore === undefined ? [] : [postgresStore]),
        publisher,
        pipeline,
        settler,
        ...watchers,
      ],
      readiness: [messaging.clusterReadiness(), publisher.readiness(), published.readiness()],
    };
  },
};
