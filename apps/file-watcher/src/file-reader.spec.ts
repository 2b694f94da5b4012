import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileObservation } from './file-stability';
import { HEAD_BYTES, readStableFile } from './file-reader';

let root: string;
let folder: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'file-reader-'));
  folder = join(root, 'in');
  await mkdir(folder);
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function observe(path: string): Promise<FileObservation> {
  const stats = await lstat(path);
  return { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino };
}

describe('readStableFile', () => {
  it('hashes the whole file and keeps its first bytes', async () => {
    const bytes = Buffer.from(Array.from({ length: 600_000 }, (_, i) => i % 256));
    const path = join(folder, 'big.pdf');
    await writeFile(path, bytes);
    const outcome = await readStableFile(folder, path, await observe(path));
    expect(outcome).toMatchObject({
      kind: 'read',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: 600_000,
      readPath: path,
    });
    expect(outcome.kind === 'read' && outcome.head.equals(bytes.subarray(0, HEAD_BYTES))).toBe(true);
  });

  it('follows a symbolic link whose target lies inside the folder', async () => {
    await writeFile(join(folder, 'real.pdf'), 'inside');
    const link = join(folder, 'link.pdf');
    await symlink(join(folder, 'real.pdf'), link);
    expect(await readStableFile(folder, link, await observe(link))).toMatchObject({
      kind: 'read',
      readPath: join(folder, 'real.pdf'),
    });
  });

  it('skips a symbolic link leading outside the folder, and a dangling one', async () => {
    await writeFile(join(root, 'secret.pdf'), 'outside');
    const out = join(folder, 'out.pdf');
    await symlink(join(root, 'secret.pdf'), out);
    expect(await readStableFile(folder, out, await observe(out))).toEqual({
      kind: 'skipped',
      reason: 'symlink_outside',
      target: join(root, 'secret.pdf'),
    });
    const dangling = join(folder, 'dangling.pdf');
    await symlink(join(root, 'missing.pdf'), dangling);
    expect(await readStableFile(folder, dangling, await observe(dangling))).toEqual({
      kind: 'skipped',
      reason: 'symlink_outside',
    });
  });

  it('skips a FIFO with a matching name without blocking on it', async () => {
    const fifo = join(folder, 'pipe.pdf');
    execFileSync('mkfifo', [fifo]);
    expect(await readStableFile(folder, fifo, await observe(fifo))).toEqual({ kind: 'skipped', reason: 'not_a_file' });
  });

  it('sends a file back to the stability check when it changed since it was found stable', async () => {
    const path = join(folder, 'growing.pdf');
    await writeFile(path, 'first part');
    const stable = await observe(path);
    await writeFile(path, 'first part, and more');
    expect(await readStableFile(folder, path, stable)).toEqual({ kind: 'changed' });
  });

  it('reports a file deleted before it was read as vanished', async () => {
    const path = join(folder, 'gone.pdf');
    await writeFile(path, 'x');
    const stable = await observe(path);
    await rm(path);
    expect(await readStableFile(folder, path, stable)).toMatchObject({ kind: 'skipped', reason: 'vanished' });
  });
});
