import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InfraError } from './infra-error';
import { requireOnPath } from './process-control';

// Several processes (parallel Jest workers, a developer's `npm run infra:up`) may call infraUp at
// once; only one may start servers. The lock is a kernel flock(2) held by a small `flock … cat`
// child whose stdin is a pipe from us: releasing closes the pipe, and if this process dies the
// kernel closes it too, so a crashed holder can never leave a stale lock behind.

export interface LockOptions {
  timeoutMs: number;
  /** Called once if the lock is not free at once, so a waiting CLI does not look hung. */
  onWait?: (holder: string) => void;
}

export async function withExclusiveLock<T>(lockFile: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const release = await acquire(lockFile, options);
  try {
    return await work();
  } finally {
    await release();
  }
}

async function acquire(lockFile: string, options: LockOptions): Promise<() => Promise<void>> {
  requireOnPath('flock', 'needed to serialise concurrent infraUp calls; it is in util-linux');
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const holderFile = `${lockFile}.holder`;
  const timeoutSeconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const child = spawn('flock', ['--exclusive', '--wait', String(timeoutSeconds), lockFile, '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));

  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    const waitNotice = setTimeout(() => {
      options.onWait?.(readHolder(holderFile));
    }, 300);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) {
        clearTimeout(waitNotice);
        resolve();
      }
    });
    child.once('error', (error) => {
      clearTimeout(waitNotice);
      reject(new InfraError('LOCK_TIMEOUT', `could not run flock: ${error.message}`, { cause: error }));
    });
    exited.then(
      (code) => {
        clearTimeout(waitNotice);
        reject(
          new InfraError(
            'LOCK_TIMEOUT',
            `another infraUp/infraDown (${readHolder(holderFile)}) held ${lockFile} for more than ${timeoutSeconds} s` +
              (code === 1 ? '' : ` (flock exited ${code}: ${stderr.trim()})`),
          ),
        );
      },
      () => undefined,
    );
  });

  fs.writeFileSync(holderFile, `pid ${process.pid} since ${new Date().toISOString()}\n`);
  return async () => {
    fs.rmSync(holderFile, { force: true });
    child.stdin.end();
    await exited;
  };
}

function readHolder(holderFile: string): string {
  try {
    return fs.readFileSync(holderFile, 'utf8').trim();
  } catch {
    return 'holder unknown';
  }
}
