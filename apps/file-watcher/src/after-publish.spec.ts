import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyAfterPublish, processedPath } from './after-publish';

let root: string;
const sha256 = '3f2a9c1e'.padEnd(64, '0');

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'after-publish-'));
  await mkdir(join(root, 'in', '2024'), { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('after publishing', () => {
  it('leaves the file', async () => {
    await writeFile(join(root, 'in', 'a.pdf'), 'a');
    await applyAfterPublish(
      { afterPublish: 'leave', processedDir: join(root, 'in', 'processed') },
      join(root, 'in', 'a.pdf'),
      'a.pdf',
      sha256,
    );
    expect(await readdir(join(root, 'in'))).toContain('a.pdf');
  });

  it('deletes the file, and takes an already deleted one calmly', async () => {
    const path = join(root, 'in', 'a.pdf');
    await writeFile(path, 'a');
    const target = { afterPublish: 'delete' as const, processedDir: '' };
    await applyAfterPublish(target, path, 'a.pdf', sha256);
    await applyAfterPublish(target, path, 'a.pdf', sha256);
    expect(await readdir(join(root, 'in'))).toEqual(['2024']);
  });

  it('moves the file under the same relative path, never overwriting an earlier file of that name', async () => {
    const processed = join(root, 'in', 'processed');
    const target = { afterPublish: 'move' as const, processedDir: processed };
    await writeFile(join(root, 'in', '2024', 'a.pdf'), 'first');
    await applyAfterPublish(target, join(root, 'in', '2024', 'a.pdf'), '2024/a.pdf', 'a'.repeat(64));
    await writeFile(join(root, 'in', '2024', 'a.pdf'), 'second');
    await applyAfterPublish(target, join(root, 'in', '2024', 'a.pdf'), '2024/a.pdf', sha256);
    expect((await readdir(join(processed, '2024'))).sort()).toEqual(['a.3f2a9c1e.pdf', 'a.pdf']);
    expect(await readFile(join(processed, '2024', 'a.pdf'), 'utf8')).toBe('first');
    expect(await readFile(join(processed, '2024', 'a.3f2a9c1e.pdf'), 'utf8')).toBe('second');
    expect(await readdir(join(root, 'in', '2024'))).toEqual([]);
  });

  it('names the processed path after the relative path', () => {
    expect(processedPath('/p', '2024/a b.pdf')).toBe('/p/2024/a b.pdf');
    expect(processedPath('/p', 'x.tar', sha256)).toBe('/p/x.3f2a9c1e.tar');
  });
});
