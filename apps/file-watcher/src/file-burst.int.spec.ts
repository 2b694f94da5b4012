/**
 * A burst of 10,000 files dropped at once (a fifth of them copies of others): exactly one
 * event per distinct content, every one of a complete file, with bounded open file handles.
 * The watcher runs in this process, so the figures reported (RSS, open descriptors from
 * /proc/self/fd) include Jest's own; the handle bound is asserted against the count before
 * the burst.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createScratchDatabase, testInfra, waitFor, type ScratchDatabase } from '@flowline/testing';
import { startWatcher, type WatcherUnderTest } from './test-fixtures/file-watcher-harness';

const FILES = 10_000;
const DISTINCT = 8_000;
const READ_CONCURRENCY = 8;

let database: ScratchDatabase;
let watcher: WatcherUnderTest | undefined;

beforeAll(async () => {
  database = await createScratchDatabase(testInfra().DATABASE_URL, 'file_burst');
});
afterAll(async () => {
  await watcher?.running.stop();
  await database?.drop();
});

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

describe('file-watcher burst (in process, real Kafka and PostgreSQL)', () => {
  it(`publishes ${FILES.toLocaleString('en')} files dropped at once as one event per distinct content, with bounded open handles`, async () => {
    watcher = await startWatcher({
      databaseUrl: database.url,
      env: { FILE_READ_CONCURRENCY: String(READ_CONCURRENCY), FILE_PUBLISH_BATCH_SIZE: '500' },
    });
    const contents = Array.from({ length: DISTINCT }, (_, i) =>
      Buffer.concat([Buffer.from(`doc ${i} `), randomBytes(200)]),
    );
    const shaOf = new Map(
      contents.map((content) => [createHash('sha256').update(content).digest('hex'), content.length]),
    );

    const baseline = { fds: openDescriptors(), rss: process.memoryUsage().rss };
    const peak = { ...baseline };
    // Once the test's own writes are done, every descriptor opened is the watcher's.
    let writing = true;
    let watcherPeakFds = baseline.fds;
    const sampler = setInterval(() => {
      const fds = openDescriptors();
      peak.fds = Math.max(peak.fds, fds);
      if (!writing) watcherPeakFds = Math.max(watcherPeakFds, fds);
      peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
    }, 20);
    const startedAt = Date.now();
    try {
      // Dropped 20 at a time as fast as the disk takes them; file i holds content i % DISTINCT.
      for (let i = 0; i < FILES; i += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, FILES - i) }, (_, j) =>
            writeFile(
              join(watcher!.folder, `f${String(i + j).padStart(5, '0')}.txt`),
              contents[(i + j) % DISTINCT] as Buffer,
            ),
          ),
        );
      }
      const droppedAt = Date.now();
      writing = false;
      await waitFor(
        async () =>
          (await watcher!.metric('flowline_files_published_total', { folder: 'inbox' })) === DISTINCT &&
          (await watcher!.metric('flowline_files_duplicate_total', { folder: 'inbox' })) === FILES - DISTINCT,
        { timeoutMs: 150_000, intervalMs: 250, description: 'every file published or found a duplicate' },
      );
      const doneAt = Date.now();
      await waitFor(() => (watcher!.events().length >= DISTINCT ? true : undefined), {
        timeoutMs: 30_000,
        description: 'every event on the probe',
      });
      clearInterval(sampler);
      const metricsRss = await watcher.metric('flowline_process_resident_memory_bytes');
      console.log(
        [
          `burst of ${FILES} files (${DISTINCT} distinct, stability window 300 ms, ${READ_CONCURRENCY} reads at once):`,
          `  written in ${droppedAt - startedAt} ms; all published or deduplicated ${doneAt - startedAt} ms after the first write (${Math.round((FILES / (doneAt - startedAt)) * 1000)} files/s)`,
          `  open descriptors: ${baseline.fds} before, ${peak.fds} at most while the test wrote (+${peak.fds - baseline.fds}), ${watcherPeakFds} at most after (+${watcherPeakFds - baseline.fds})`,
          `  RSS: ${(baseline.rss / 2 ** 20).toFixed(0)} MiB before, ${(peak.rss / 2 ** 20).toFixed(0)} MiB at most (+${((peak.rss - baseline.rss) / 2 ** 20).toFixed(0)} MiB; the process holds Jest too); /metrics says ${(metricsRss / 2 ** 20).toFixed(0)} MiB`,
        ].join('\n'),
      );

      const events = watcher.events();
      expect(events).toHaveLength(DISTINCT);
      expect(new Set(events.map((event) => event.data.sha256)).size).toBe(DISTINCT);
      // Every event is of a complete file: its hash is one of the contents written, with that content's size.
      expect(events.filter((event) => shaOf.get(event.data.sha256) !== event.data.size)).toEqual([]);
      // Reads and claim-check copies at once are bounded (a copy holds a source and a target);
      // Kafka and PostgreSQL connections are already open. Nothing near one per file.
      expect(watcherPeakFds - baseline.fds).toBeLessThanOrEqual(3 * READ_CONCURRENCY + 16);
    } finally {
      clearInterval(sampler);
    }
  }, 240_000);
});
