import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';

const flag = (fallback: boolean) =>
  withExample(
    z
      .enum(['true', 'false'])
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true'),
    String(fallback),
  );

export const AFTER_PUBLISH_ACTIONS = ['leave', 'move', 'delete'] as const;
export type AfterPublishAction = (typeof AFTER_PUBLISH_ACTIONS)[number];
export const CLAIM_CHECK_STORES = ['folder', 'postgres'] as const;
export type ClaimCheckStoreName = (typeof CLAIM_CHECK_STORES)[number];

/**
 * Folders come from the `folders:` list of the YAML config file (FLOWLINE_CONFIG_FILE),
 * checked in detail at start by watched-folders.ts, or one folder from FILE_WATCH_DIR and the
 * FILE_WATCH_* keys below. The FILE_WATCH_* and CLAIM_CHECK_* keys are also the defaults of
 * every listed folder.
 */
export const fileWatcherConfig = baseServiceConfig.extend({
  PORT: configFields.port(8081),
  /** Published-content records (file_watcher_published), and the claim-check store `postgres`. */
  DATABASE_URL: configFields.url('postgres://postgres@127.0.0.1:55432/flowline', ['postgres', 'postgresql']),
  folders: withExample(
    z
      .array(z.record(z.string(), z.unknown()), { error: 'a YAML list of folders (name, path, extensions, …)' })
      .optional(),
    '[{ name: invoices, path: /data/inbox/invoices, extensions: [.pdf] }]',
  ),
  /** The one watched folder when the config file lists none (default `.flowline/inbox`, relative to the working directory). */
  FILE_WATCH_DIR: withExample(z.string().min(1).optional(), '/data/inbox'),
  /** That folder's name: in the event's `source` (/file-watcher/<name>), its `folder` field and metric labels. */
  FILE_WATCH_NAME: withExample(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and -')
      .default('inbox'),
    'invoices',
  ),
  /** File extensions published, comma-separated, case-insensitive; `*` publishes every file. */
  FILE_WATCH_EXTENSIONS: withExample(
    z
      .string()
      .default('.pdf,.docx,.txt')
      .transform((value) =>
        value
          .split(',')
          .map((extension) => extension.trim())
          .filter((extension) => extension !== ''),
      )
      .pipe(z.array(z.string()).min(1, 'at least one extension, or *')),
    '.pdf,.docx,.txt',
  ),
  /** `file.uploaded`, or a type of its own (e.g. scan.uploaded) whose data still follows file.uploaded. */
  FILE_WATCH_EVENT_TYPE: withExample(z.string().default('file.uploaded'), 'scan.uploaded'),
  FILE_WATCH_RECURSIVE: flag(true),
  FILE_WATCH_AFTER_PUBLISH: withExample(z.enum(AFTER_PUBLISH_ACTIONS).default('leave'), 'move'),
  /** Where `move` puts published files; relative to the watched folder (and then never watched) or absolute. */
  FILE_WATCH_PROCESSED_DIR: withExample(z.string().min(1).default('processed'), 'processed'),
  /** Poll with stat() instead of inotify: for network and container volumes where change events do not arrive. */
  FILE_WATCH_POLLING: flag(false),
  FILE_WATCH_POLL_INTERVAL_MS: configFields.positiveInt(1_000),
  /** A file is published once its size and modification time stayed the same this long. */
  FILE_WATCH_STABILITY_MS: configFields.positiveInt(2_000),
  /** Where published content is copied: `folder` (CLAIM_CHECK_DIR) or `postgres` (large objects in DATABASE_URL). */
  CLAIM_CHECK_STORE: withExample(z.enum(CLAIM_CHECK_STORES).default('folder'), 'postgres'),
  /** The claim-check storage folder, shared with the agents that read the files (default `.flowline/claim-checks`). */
  CLAIM_CHECK_DIR: withExample(z.string().min(1).default('.flowline/claim-checks'), '/claims'),
  /** Files read (hashed, copied) at once at most: bounds open file handles and read buffers. */
  FILE_READ_CONCURRENCY: configFields.positiveInt(8),
  /** Files per dedupe lookup, publish round and record write at most. */
  FILE_PUBLISH_BATCH_SIZE: configFields.positiveInt(500),
  /** How often each watched folder is checked to still exist (a gone folder is logged and watched for). */
  FILE_WATCH_FOLDER_CHECK_MS: configFields.positiveInt(5_000),
});
export type FileWatcherConfig = z.infer<typeof fileWatcherConfig>;
