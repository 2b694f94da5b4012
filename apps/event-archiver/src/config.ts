import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';

export const eventArchiverConfig = baseServiceConfig.extend({
  PORT: configFields.port(8089),
  DATABASE_URL: configFields.url('postgres://postgres@127.0.0.1:55432/flowline', ['postgres', 'postgresql']),
  /** Events older than this are dropped, a whole day partition at a time. */
  EVENT_RETENTION_DAYS: configFields.positiveInt(30),
  /** How often old partitions are looked for (and tomorrow's created). */
  RETENTION_INTERVAL_MS: configFields.positiveInt(3_600_000),
  /** Records per database insert at most. */
  ARCHIVER_MAX_BATCH_RECORDS: withExample(z.coerce.number().int().min(1).max(10_000).default(1_000), '1000'),
  /** Partitions stored at the same time (each its own transaction). */
  ARCHIVER_PARTITIONS_CONCURRENTLY: withExample(z.coerce.number().int().min(1).max(32).default(3), '3'),
  /**
   * How long the group waits for a member that stopped heartbeating (a killed archiver)
   * before its partitions move to another member or a restarted one (the broker allows ≥ 6 s). The
   * default, the broker's minimum, moves them within about 8 s of a kill; what a short timeout
   * costs: docs/architecture.md, "Consumer timing and commits".
   */
  ARCHIVER_SESSION_TIMEOUT_MS: withExample(z.coerce.number().int().min(6_000).max(300_000).default(6_000), '6000'),
});
export type EventArchiverConfig = z.infer<typeof eventArchiverConfig>;
