import { InfraError } from './infra-error';
import { waitUntil } from './wait-until';

describe('waitUntil', () => {
  it('returns the first value the probe resolves with', async () => {
    let calls = 0;
    const value = await waitUntil(
      'thing',
      () => (++calls < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve('ready')),
      { timeoutMs: 5000, intervalMs: 10 },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('names the last error when the deadline passes', async () => {
    await expect(
      waitUntil('kafka metadata', () => Promise.reject(new Error('ECONNREFUSED')), { timeoutMs: 100, intervalMs: 20 }),
    ).rejects.toMatchObject({ code: 'NOT_READY', message: expect.stringContaining('last error: ECONNREFUSED') });
  });

  it('stops at once when abortIf gives a reason', async () => {
    const error: unknown = await waitUntil('kafka', () => Promise.reject(new Error('x')), {
      timeoutMs: 60_000,
      abortIf: () => 'process 42 exited',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InfraError);
    expect(error).toMatchObject({ code: 'START_FAILED', message: 'kafka: process 42 exited' });
  });
});
