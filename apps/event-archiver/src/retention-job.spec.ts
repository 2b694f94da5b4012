import { createLogger } from '@flowline/telemetry';
import { waitFor } from '@flowline/testing';
import { RetentionJob } from './retention-job';

const logger = createLogger({ service: 'retention-test', level: 'silent' });

describe('retention job', () => {
  it('drops partitions older than the retention, counted back from now', async () => {
    const cutoffs: Date[] = [];
    const job = new RetentionJob(
      { dropPartitionsBefore: (cutoff) => Promise.resolve(void cutoffs.push(cutoff)).then(() => []) },
      { retentionDays: 30, intervalMs: 3_600_000, logger, now: () => new Date('2026-11-22T12:00:00Z') },
    );
    await job.start();
    await job.stop();
    expect(cutoffs).toEqual([new Date('2026-10-23T12:00:00Z')]);
  });

  it('keeps the service running when the database refuses, and tries again later', async () => {
    let calls = 0;
    const job = new RetentionJob(
      {
        dropPartitionsBefore: () => {
          calls += 1;
          return Promise.reject(new Error('connection refused'));
        },
      },
      { retentionDays: 1, intervalMs: 10, logger },
    );
    await expect(job.start()).resolves.toBeUndefined();
    await waitFor(() => calls > 2, { description: 'attempts after the failed first one' });
    await job.stop();
  });
});
