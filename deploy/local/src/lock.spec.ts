import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withExclusiveLock } from './lock';

describe('withExclusiveLock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-infra-lock-'));
  const lockFile = path.join(dir, 'infra.lock');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs holders one after the other and tells the waiting one who holds the lock', async () => {
    const events: string[] = [];
    const waits: string[] = [];
    const hold = (name: string) => async (): Promise<void> => {
      events.push(`${name} in`);
      await sleep(400);
      events.push(`${name} out`);
    };
    await Promise.all([
      withExclusiveLock(lockFile, { timeoutMs: 10_000 }, hold('a')),
      sleep(50).then(() =>
        withExclusiveLock(lockFile, { timeoutMs: 10_000, onWait: (holder) => waits.push(holder) }, hold('b')),
      ),
    ]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(waits).toEqual([expect.stringContaining(`pid ${process.pid}`)]);
  });

  it('raises no alarm while nobody is known to hold the lock (a slow start), and names an unknown holder later', async () => {
    // Held by a process that writes no holder file: released well before the notice is due, then well after.
    const waitsWhileHeld = async (seconds: number, noticeMs: number): Promise<string[]> => {
      const holder = spawn('flock', [lockFile, 'sleep', String(seconds)]);
      await sleep(100);
      const waits: string[] = [];
      await withExclusiveLock(
        lockFile,
        { timeoutMs: 10_000, unknownHolderNoticeMs: noticeMs, onWait: (who) => waits.push(who) },
        () => Promise.resolve(),
      );
      holder.kill();
      return waits;
    };
    expect(await waitsWhileHeld(0.5, 3_000)).toEqual([]);
    expect(await waitsWhileHeld(3, 500)).toEqual(['holder unknown']);
  });

  it('releases the lock when the work throws', async () => {
    await expect(
      withExclusiveLock(lockFile, { timeoutMs: 5000 }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await expect(withExclusiveLock(lockFile, { timeoutMs: 2000 }, () => Promise.resolve('free'))).resolves.toBe('free');
  });

  it('gives up with LOCK_TIMEOUT while another holder keeps it', async () => {
    const holding = withExclusiveLock(lockFile, { timeoutMs: 5000 }, () => sleep(2500));
    await sleep(100);
    await expect(withExclusiveLock(lockFile, { timeoutMs: 1000 }, () => Promise.resolve())).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
    });
    await holding;
  });
});
