/**
 * The file-watcher in process against the real Kafka and PostgreSQL: files dropped into a
 * folder arrive on ingress.file once, with a claim-check copy of their content.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderClaimStore, PostgresClaimStore } from '@flowline/claim-check';
import pg from 'pg';
import { createScratchDatabase, testInfra, uniqueDirectory, waitFor, type ScratchDatabase } from '@flowline/testing';
import { drop, startWatcher, uniqueContent, type WatcherUnderTest } from './test-fixtures/file-watcher-harness';

let database: ScratchDatabase;
const watchers: WatcherUnderTest[] = [];
const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  database = await createScratchDatabase(testInfra().DATABASE_URL, 'file_watcher');
});
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.running.stop()));
});
afterAll(async () => {
  await database?.drop();
});

async function waitForEntries(folder: string, expected: string[]): Promise<void> {
  await waitFor(async () => JSON.stringify((await readdir(folder)).sort()) === JSON.stringify(expected), {
    description: `${folder} to hold ${JSON.stringify(expected)}`,
  });
}

async function start(options: Omit<Parameters<typeof startWatcher>[0], 'databaseUrl'> = {}): Promise<WatcherUnderTest> {
  const watcher = await startWatcher({ databaseUrl: database.url, ...options });
  watchers.push(watcher);
  return watcher;
}

describe('file-watcher (in process, real Kafka and PostgreSQL)', () => {
  it('publishes a dropped file once, with its facts and a claim-check copy of its content', async () => {
    const watcher = await start();
    const content = Buffer.concat([Buffer.from('%PDF-1.7\n%âãÏÓ\n'), uniqueContent('invoice', 4096)]);
    await drop(watcher.folder, '2024/Invoice 0117.PDF', content);

    const event = await watcher.eventOf('2024/Invoice 0117.PDF');
    const sha256 = sha256Of(content);
    expect(event).toMatchObject({
      type: 'file.uploaded',
      source: '/file-watcher/inbox',
      subject: '2024/Invoice 0117.PDF',
      data: {
        folder: 'inbox',
        path: join(watcher.folder, '2024/Invoice 0117.PDF'),
        relativePath: '2024/Invoice 0117.PDF',
        name: 'Invoice 0117.PDF',
        size: content.length,
        sha256,
        mediaType: 'application/pdf',
        location: `claim:fs/sha256/${sha256}`,
      },
    });
    const stored = await new FolderClaimStore(watcher.claims).open(event.data.location);
    expect(Buffer.concat(await stored.toArray()).equals(content)).toBe(true);
    expect(await watcher.metric('flowline_files_published_total', { folder: 'inbox' })).toBe(1);
    // Recorded as published without a hitch: no warning (a failed record would say so).
    await waitFor(() => watcher.logsOf('file published').length === 1);
    expect(watcher.running.logs().filter((line) => line['level'] !== 'info')).toEqual([]);
  });

  it('does not publish the same content again under another name, nor after a rename; counts and logs each', async () => {
    const watcher = await start();
    const content = uniqueContent('copy');
    await drop(watcher.folder, 'a.txt', content);
    const first = await watcher.eventOf('a.txt');

    await drop(watcher.folder, 'copy of a.txt', content);
    const duplicate = await watcher.waitForLog('duplicate content: not published again', 'copy of a.txt');
    expect(duplicate).toMatchObject({ sha256: sha256Of(content), event_id: first.id, first_path: 'a.txt' });
    await rename(join(watcher.folder, 'a.txt'), join(watcher.folder, 'renamed.txt'));
    await watcher.waitForLog('duplicate content: not published again', 'renamed.txt');

    expect(await watcher.metric('flowline_files_duplicate_total', { folder: 'inbox' })).toBe(2);
    expect(watcher.events().filter((event) => event.data.sha256 === sha256Of(content))).toHaveLength(1);
    expect(watcher.logsOf('file published')).toHaveLength(1);
  });

  it('publishes a slowly written file once, complete, never half-written', async () => {
    const watcher = await start({ env: { FILE_WATCH_STABILITY_MS: '400' } });
    const chunks = Array.from({ length: 8 }, (_, i) => uniqueContent(`chunk ${i}`, 64 * 1024));
    const path = join(watcher.folder, 'slow.pdf');
    // 8 chunks 100 ms apart: the writer is busy for twice the stability window.
    for (const chunk of chunks) {
      await appendFile(path, chunk);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const whole = Buffer.concat(chunks);

    const event = await watcher.eventOf('slow.pdf');
    expect(event.data).toMatchObject({ size: whole.length, sha256: sha256Of(whole) });
    expect(watcher.logsOf('file published', 'slow.pdf')).toHaveLength(1);
    expect(watcher.events().filter((candidate) => candidate.data.relativePath === 'slow.pdf')).toHaveLength(1);
  });

  it('catches up files present before the start, and a restart publishes none of them again', async () => {
    const first = await start();
    const folder = first.folder;
    await first.running.stop();
    watchers.splice(0);
    const contents = ['one.pdf', 'two.docx', 'sub/three.txt'].map((name) => [name, uniqueContent(name)] as const);
    for (const [name, content] of contents) await drop(folder, name, content);

    const caughtUp = await start({ folder, prefix: first.running.prefix });
    for (const [name] of contents) await caughtUp.eventOf(name);
    await caughtUp.running.stop();
    watchers.splice(0);

    const restarted = await start({ folder, prefix: first.running.prefix });
    for (const [name] of contents) await restarted.waitForLog('duplicate content: not published again', name);
    expect(restarted.logsOf('file published')).toEqual([]);
    // The probe reads the topic from its beginning: still one event per content.
    for (const [, content] of contents) {
      expect(restarted.events().filter((event) => event.data.sha256 === sha256Of(content))).toHaveLength(1);
    }
  });

  it('skips what it must not read — a link leading outside, a FIFO, a file deleted before it was read — with a log line and a metric each, and keeps going', async () => {
    // A long window, so the file below is certainly still waiting when it is deleted.
    const watcher = await start({ env: { FILE_WATCH_STABILITY_MS: '1500' } });
    await drop(watcher.folder, 'deleted soon.pdf', uniqueContent('deleted'));
    await waitFor(async () => (await watcher.metric('flowline_files_pending')) === 1, {
      description: 'the file to be waiting for stability',
    });
    await rm(join(watcher.folder, 'deleted soon.pdf'));
    const outside = join(watcher.folder, '..', 'secret.pdf');
    await writeFile(outside, uniqueContent('secret'));
    await symlink(outside, join(watcher.folder, 'link-out.pdf'));
    execFileSync('mkfifo', [join(watcher.folder, 'pipe.txt')]);
    const odd = ['spaces in name.txt', 'ünïcödé 請求書.pdf', 'new\nline.txt'];
    for (const name of odd) await drop(watcher.folder, name, uniqueContent(name));

    const link = await watcher.waitForLog('symbolic link leading outside the watched folder: skipped', 'link-out.pdf');
    expect(link).toMatchObject({ level: 'warn', reason: 'symlink_outside', folder: 'inbox' });
    await watcher.waitForLog('not a regular file (FIFO, socket or device): skipped', 'pipe.txt');
    await watcher.waitForLog('file gone before it was read: skipped', 'deleted soon.pdf');
    for (const name of odd) expect((await watcher.eventOf(name)).data.name).toBe(name);

    for (const reason of ['symlink_outside', 'not_a_file', 'vanished']) {
      expect(await watcher.metric('flowline_files_skipped_total', { folder: 'inbox', reason })).toBe(1);
    }
    expect(
      watcher
        .events()
        .map((event) => event.data.relativePath)
        .sort(),
    ).toEqual([...odd].sort());
  });

  it('keeps watching a folder that disappears and comes back, and catches up what arrived meanwhile', async () => {
    const watcher = await start();
    await drop(watcher.folder, 'before.txt', uniqueContent('before'));
    await watcher.eventOf('before.txt');

    await rm(watcher.folder, { recursive: true });
    await watcher.waitForLog('watched folder is gone: waiting for it to come back');
    expect(await watcher.metric('flowline_file_watch_folder_present', { folder: 'inbox' })).toBe(0);
    await mkdir(watcher.folder);
    await drop(watcher.folder, 'after.txt', uniqueContent('after'));
    await watcher.waitForLog('watched folder is back: scanning it again');

    await watcher.eventOf('after.txt');
    expect(await watcher.metric('flowline_file_watch_folder_lost_total', { folder: 'inbox' })).toBe(1);
    expect(await watcher.metric('flowline_file_watch_folder_present', { folder: 'inbox' })).toBe(1);
  });

  it('watches the folders of the config file: own event type, move to processed/, delete, PostgreSQL claim checks, polling', async () => {
    const base = await uniqueDirectory('file-watcher-yaml');
    const configFile = join(base, 'file-watcher.yaml');
    const scans = join(base, 'scans');
    const drops = join(base, 'drops');
    await mkdir(scans);
    await mkdir(drops);
    await writeFile(
      configFile,
      [
        'folders:',
        `  - { name: scans, path: ${JSON.stringify(scans)}, extensions: [.PDF], eventType: scan.uploaded, afterPublish: move }`,
        `  - { name: drops, path: ${JSON.stringify(drops)}, extensions: ['*'], afterPublish: delete, claimCheckStore: postgres, polling: true, pollIntervalMs: 100 }`,
      ].join('\n'),
    );
    const watcher = await start({ env: { FLOWLINE_CONFIG_FILE: configFile, FILE_WATCH_DIR: '' } });
    const scan = uniqueContent('%PDF-1.4 scan');
    const blob = uniqueContent('anything');
    await drop(scans, '2024/scan 1.pdf', scan);
    await drop(scans, 'ignored.txt', uniqueContent('not a pdf'));
    await drop(drops, 'blob.bin', blob);

    const scanEvent = await watcher.running.probe!.waitFor(
      (message) => String(message.event?.type) === 'scan.uploaded',
    );
    expect(scanEvent.event).toMatchObject({
      type: 'scan.uploaded',
      dataschema: 'urn:flowline:schema:file.uploaded',
      source: '/file-watcher/scans',
      data: { folder: 'scans', relativePath: '2024/scan 1.pdf', sha256: sha256Of(scan) },
    });
    const blobEvent = await watcher.eventOf('blob.bin');
    expect(blobEvent.data).toMatchObject({ folder: 'drops', location: `claim:pg/sha256/${sha256Of(blob)}` });
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const stored = await new PostgresClaimStore(pool).open(blobEvent.data.location);
      expect(Buffer.concat(await stored.toArray()).equals(blob)).toBe(true);
    } finally {
      await pool.end();
    }

    await waitForEntries(join(scans, 'processed', '2024'), ['scan 1.pdf']);
    await waitForEntries(drops, []);
    expect(await readdir(join(scans, '2024'))).toEqual([]);
    expect(watcher.events().map((event) => event.data.relativePath)).not.toContain('ignored.txt');
  });
});
