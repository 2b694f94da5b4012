/**
 * The pipeline's delivery rule with its collaborators faked (Kafka's answer, the published
 * contents table): a file whose publish the broker refuses is published again until it is
 * acknowledged, not left for the next start. The real-broker path is covered by
 * file-watcher.int.spec.ts and the fault suite's Kafka restart.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderClaimStore } from '@flowline/claim-check';
import type { FlowlineEvent, DerivedTypeEvent } from '@flowline/event-schemas';
import { createLogger, createServiceMetrics } from '@flowline/telemetry';
import { waitFor } from '@flowline/testing';
import { createFileWatcherMetrics } from './file-watcher-metrics';
import { FilePipeline } from './file-pipeline';
import type { PublishedContent } from './published-files';
import type { WatchedFolder } from './watched-folders';

const logger = createLogger({ service: 'file-watcher-test', level: 'silent' });

describe('file pipeline', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-pipeline-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  function folderAt(path: string): WatchedFolder {
    return {
      where: 'FILE_WATCH_DIR',
      name: 'uploads',
      path,
      extensions: 'any',
      eventType: 'file.uploaded',
      recursive: false,
      afterPublish: 'leave',
      processedDir: join(path, 'processed'),
      polling: false,
      pollIntervalMs: 1_000,
      stabilityMs: 100,
      claimCheckStore: 'folder',
      claimCheckDir: join(root, 'claims'),
    };
  }

  it('publishes again a file the broker refused, until it is acknowledged, and only then records it', async () => {
    const uploads = join(root, 'uploads');
    await mkdir(uploads);
    const path = join(uploads, 'invoice.txt');
    await writeFile(path, 'Invoice INV-1\nTotal 10.00 EUR\n');
    const observed = await stat(path);

    const claims = new FolderClaimStore(join(root, 'claims'));
    await claims.start();
    const attempts: string[] = [];
    const acknowledged: string[] = [];
    const recorded: PublishedContent[] = [];
    const publish = (event: FlowlineEvent | DerivedTypeEvent): Promise<void> => {
      attempts.push(event.id);
      if (attempts.length <= 3)
        return Promise.reject(
          Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' }),
        );
      acknowledged.push(event.id);
      return Promise.resolve();
    };
    const folder = folderAt(uploads);
    const pipeline = new FilePipeline({
      readConcurrency: 2,
      batchSize: 10,
      publish,
      published: {
        find: () => Promise.resolve(new Map()),
        record: (contents) => {
          // Recorded only once Kafka acknowledged it.
          expect(acknowledged).toHaveLength(1);
          recorded.push(...contents);
          return Promise.resolve();
        },
      },
      claimStoreOf: () => claims,
      retrack: () => undefined,
      skipped: (_folder, relativePath, reason) => {
        throw new Error(`${relativePath} skipped: ${reason}`);
      },
      logger,
      metrics: createFileWatcherMetrics(createServiceMetrics('file-watcher'), () => 0),
    });

    pipeline.submit({
      folder,
      path,
      relativePath: 'invoice.txt',
      observation: { size: observed.size, mtimeMs: observed.mtimeMs, ino: observed.ino },
      stableAt: Date.now(),
    });
    await waitFor(() => recorded.length === 1, { description: 'the file recorded as published', timeoutMs: 10_000 });
    await pipeline.stop();

    // Four tries of one event (the same id each time), the last acknowledged.
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts).size).toBe(1);
    expect(recorded[0]).toMatchObject({ eventId: attempts[0], firstPath: 'invoice.txt', folder: 'uploads' });
    expect(pipeline.size).toBe(0);
  });
});
