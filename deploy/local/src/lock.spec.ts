import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withExclusiveLock } from './lock';

// Every step waits on something observable — a holder is inside its work, a waiter was told
// who holds the lock, a flock process printed that it holds it — and a holder keeps the lock
// until the test lets go, so a slow machine changes how long the tests take, not what they see.

interface Latch {
  promise: Promise<void>;
  open: () => void;
}

function latch(): Latch {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

interface ForeignHolder {
  /** Lets go of the lock and resolves once the holder process has exited. */
  release(): Promise<void>;
}

/**
 * Takes the lock from another process that writes no holder file (as a holder that has just
 * started, or any other flock user, looks). Resolves once flock reports it holds the lock;
 * it keeps it until released: `cat` ends when its stdin closes, and flock with it.
 */
async function holdFromAnotherProcess(lockFile: string): Promise<ForeignHolder> {
  const child: ChildProcessWithoutNullStreams = spawn('flock', ['--exclusive', lockFile, '-c', 'echo held; exec cat']);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('held')) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error('the flock holder exited before it held the lock')));
  });
  return {
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

describe('withExclusiveLock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-infra-lock-'));
  const lockFile = path.join(dir, 'infra.lock');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs holders one after the other and tells the waiting one who holds the lock', async () => {
    const events: string[] = [];
    const waits: string[] = [];
    const aIn = latch();
    const aMayLeave = latch();
    const a = withExclusiveLock(lockFile, { timeoutMs: 30_000 }, async () => {
      events.push('a in');
      aIn.open();
      await aMayLeave.promise;
      events.push('a out');
    });
    await aIn.promise;
    const b = withExclusiveLock(
      lockFile,
      {
        timeoutMs: 30_000,
        onWait: (holder) => {
          waits.push(holder);
          aMayLeave.open(); // b is waiting, and knows on whom: now a may finish
        },
      },
      () => {
        events.push('b in', 'b out');
        return Promise.resolve();
      },
    );
    await Promise.all([a, b]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(waits).toEqual([expect.stringContaining(`pid ${process.pid}`)]);
  });

  it('raises no alarm while nobody is known to hold the lock (a slow start), and names an unknown holder later', async () => {
    const holder = await holdFromAnotherProcess(lockFile);
    const noticeMs = 1_000;
    const waits: string[] = [];
    let noticedAfterMs: number | undefined;
    const startedAt = Date.now();
    try {
      await withExclusiveLock(
        lockFile,
        {
          timeoutMs: 30_000,
          unknownHolderNoticeMs: noticeMs,
          onWait: (who) => {
            noticedAfterMs = Date.now() - startedAt;
            waits.push(who);
            void holder.release(); // the notice came: let the waiter in
          },
        },
        () => Promise.resolve(),
      );
    } finally {
      await holder.release();
    }
    expect(waits).toEqual(['holder unknown']);
    // Silent for the whole notice time although the lock was taken all along. A lower bound:
    // a slow machine can only make the notice later.
    expect(noticedAfterMs).toBeGreaterThanOrEqual(noticeMs);
  });

  it('releases the lock when the work throws', async () => {
    await expect(
      withExclusiveLock(lockFile, { timeoutMs: 5000 }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await expect(withExclusiveLock(lockFile, { timeoutMs: 2000 }, () => Promise.resolve('free'))).resolves.toBe('free');
  });

  it('gives up with LOCK_TIMEOUT while another holder keeps it', async () => {
    const held = latch();
    const mayLeave = latch();
    const holding = withExclusiveLock(lockFile, { timeoutMs: 30_000 }, async () => {
      held.open();
      await mayLeave.promise;
    });
    await held.promise;
    try {
      await expect(withExclusiveLock(lockFile, { timeoutMs: 1000 }, () => Promise.resolve())).rejects.toMatchObject({
        code: 'LOCK_TIMEOUT',
      });
    } finally {
      mayLeave.open();
      await holding;
    }
  });
});
