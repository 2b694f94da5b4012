/**
 * The file-watcher's own Prometheus metrics, in the service's registry (next to the shared
 * ones, which include flowline_process_open_fds and flowline_process_resident_memory_bytes).
 * Labels are folder names from the config and fixed reasons: bounded, whatever files arrive.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { ServiceMetrics } from '@flowline/telemetry';

export interface FileWatcherMetrics {
  /** Files whose event Kafka acknowledged. */
  published: Counter<'folder'>;
  /** Files whose content was published before: not published again. */
  duplicates: Counter<'folder'>;
  /** Files not published, by reason (skip-reasons.ts). */
  skipped: Counter<'folder' | 'reason'>;
  /** Files read again because they changed after they were found stable or while they were read. */
  changedWhileRead: Counter<'folder'>;
  /** Moves or deletes after publishing that failed (the file stays; retried at the next start). */
  afterPublishFailures: Counter<'folder' | 'action'>;
  /** 1 while the watched folder exists, 0 while it is gone. */
  folderPresent: Gauge<'folder'>;
  /** Times a watched folder disappeared. */
  folderLost: Counter<'folder'>;
  /** Errors the file-system watcher reported. */
  watchErrors: Counter<'folder'>;
  /** Files found and not yet published, skipped or found duplicate (waiting, being read or published). */
  pending: Gauge;
  /** From a file found stable to its event acknowledged by Kafka. */
  stableToAckSeconds: Histogram<'folder'>;
  /** Bytes read to hash files. */
  bytesRead: Counter<'folder'>;
}

export function createFileWatcherMetrics(metrics: ServiceMetrics, pending: () => number): FileWatcherMetrics {
  const registers = [metrics.registry];
  return {
    published: new Counter({
      name: 'flowline_files_published_total',
      help: 'Files published to ingress.file (Kafka acknowledged), by folder',
      labelNames: ['folder'],
      registers,
    }),
    duplicates: new Counter({
      name: 'flowline_files_duplicate_total',
      help: 'Files whose content was published before (copy, rename, restart): not published again, by folder',
      labelNames: ['folder'],
      registers,
    }),
    skipped: new Counter({
      name: 'flowline_files_skipped_total',
      help: 'Files not published, by folder and reason (vanished, unreadable, symlink_outside, not_a_file, empty, read_error)',
      labelNames: ['folder', 'reason'],
      registers,
    }),
    changedWhileRead: new Counter({
      name: 'flowline_files_changed_while_read_total',
      help: 'Files that changed after they were found stable or while they were read: checked again, by folder',
      labelNames: ['folder'],
      registers,
    }),
    afterPublishFailures: new Counter({
      name: 'flowline_files_after_publish_failures_total',
      help: 'Moves or deletes after publishing that failed, by folder and action',
      labelNames: ['folder', 'action'],
      registers,
    }),
    folderPresent: new Gauge({
      name: 'flowline_file_watch_folder_present',
      help: '1 while the watched folder exists, 0 while it is gone',
      labelNames: ['folder'],
      registers,
    }),
    folderLost: new Counter({
      name: 'flowline_file_watch_folder_lost_total',
      help: 'Times a watched folder disappeared',
      labelNames: ['folder'],
      registers,
    }),
    watchErrors: new Counter({
      name: 'flowline_file_watch_errors_total',
      help: 'Errors reported by the file-system watcher, by folder',
      labelNames: ['folder'],
      registers,
    }),
    pending: new Gauge({
      name: 'flowline_files_pending',
      help: 'Files found and not yet published, skipped or found duplicate',
      registers,
      collect() {
        this.set(pending());
      },
    }),
    stableToAckSeconds: new Histogram({
      name: 'flowline_file_stable_to_ack_seconds',
      help: "Time from a file found stable to Kafka's acknowledgement of its event, by folder",
      labelNames: ['folder'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    bytesRead: new Counter({
      name: 'flowline_file_bytes_read_total',
      help: 'Bytes read to hash files, by folder',
      labelNames: ['folder'],
      registers,
    }),
  };
}
