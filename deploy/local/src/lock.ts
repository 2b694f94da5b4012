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
  /** How long to wait before telling onWait about a holder that left no holder file (default 5 s). */
  unknownHolderNoticeMs?: number;
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
  const child = spawn(
    'flock',
    ['--exclusive', '--wait', String(timeoutSeconds), lockFile, '-c', 'echo locked; exec cat'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));

  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    // A holder writes its holder file right after taking the lock: while there is none, the
    // lock is most likely free and the flock child merely slow to start (a busy first run),
    // so "waiting" would be a false alarm. Told at once about a known holder, after
    // unknownHolderNoticeMs about an unknown one.
    const startedAt = Date.now();
    let waitNotice: NodeJS.Timeout;
    const checkHolder = (): void => {
      const holder = readHolder(holderFile);
      if (holder === undefined && Date.now() - startedAt < (options.unknownHolderNoticeMs ?? UNKNOWN_HOLDER_NOTICE_MS))
        waitNotice = setTimeout(checkHolder, WAIT_CHECK_MS);
      else options.onWait?.(holder ?? 'holder unknown');
    };
    waitNotice = setTimeout(checkHolder, WAIT_CHECK_MS);
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
            `another infraUp/infraDown (${readHolder(holderFile) ?? 'holder unknown'}) held ${lockFile} for more than ${timeoutSeconds} s` +
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

const WAIT_CHECK_MS = 300;
const UNKNOWN_HOLDER_NOTICE_MS = 5_000;

function readHolder(holderFile: string): string | undefined {
  try {
    return fs.readFileSync(holderFile, 'utf8').trim();
  } catch {
    return undefined;
  }
}
