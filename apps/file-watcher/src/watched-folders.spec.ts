import { ConfigError, loadConfig } from '@flowline/service-runtime';
import { fileWatcherConfig } from './config';
import { ANY_EXTENSION } from './file-filter';
import { watchedFolders } from './watched-folders';

const configOf = (env: Record<string, unknown>) => loadConfig(fileWatcherConfig, env as unknown as NodeJS.ProcessEnv);

function problemsOf(env: Record<string, unknown>): string[] {
  try {
    watchedFolders(configOf(env), '/srv');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.key}: ${p.problem}`);
  }
  throw new Error('expected a ConfigError');
}

describe('watched folders', () => {
  it('watches .flowline/inbox of the working directory with the defaults when nothing is configured', () => {
    expect(watchedFolders(configOf({}), '/srv')).toEqual([
      {
        where: 'FILE_WATCH_DIR',
        name: 'inbox',
        path: '/srv/.flowline/inbox',
        extensions: ['.pdf', '.docx', '.txt'],
        eventType: 'file.uploaded',
        recursive: true,
        afterPublish: 'leave',
        processedDir: '/srv/.flowline/inbox/processed',
        polling: false,
        pollIntervalMs: 1000,
        stabilityMs: 2000,
        claimCheckStore: 'folder',
        claimCheckDir: '/srv/.flowline/claim-checks',
      },
    ]);
  });

  it('takes one folder from the FILE_WATCH_* keys', () => {
    const [folder] = watchedFolders(
      configOf({
        FILE_WATCH_DIR: '/data/scans',
        FILE_WATCH_NAME: 'scans',
        FILE_WATCH_EXTENSIONS: 'PDF, .TIFF',
        FILE_WATCH_EVENT_TYPE: 'scan.uploaded',
        FILE_WATCH_RECURSIVE: 'false',
        FILE_WATCH_AFTER_PUBLISH: 'move',
        FILE_WATCH_PROCESSED_DIR: '/data/done',
        FILE_WATCH_POLLING: 'true',
        FILE_WATCH_POLL_INTERVAL_MS: '500',
        FILE_WATCH_STABILITY_MS: '5000',
        CLAIM_CHECK_STORE: 'postgres',
      }),
      '/srv',
    );
    expect(folder).toMatchObject({
      name: 'scans',
      path: '/data/scans',
      extensions: ['.pdf', '.tiff'],
      eventType: 'scan.uploaded',
      recursive: false,
      afterPublish: 'move',
      processedDir: '/data/done',
      polling: true,
      pollIntervalMs: 500,
      stabilityMs: 5000,
      claimCheckStore: 'postgres',
    });
  });

  it('reads the folders list of the config file, each folder defaulting to the FILE_WATCH_* keys', () => {
    const folders = watchedFolders(
      configOf({
        FILE_WATCH_STABILITY_MS: '3000',
        folders: [
          { name: 'invoices', path: 'in/invoices', extensions: ['*'] },
          { name: 'scans', path: '/data/scans', eventType: 'scan.uploaded', afterPublish: 'delete', polling: true },
        ],
      }),
      '/srv',
    );
    expect(folders.map((f) => [f.where, f.name, f.path, f.extensions, f.eventType, f.stabilityMs])).toEqual([
      ['folders[0]', 'invoices', '/srv/in/invoices', ANY_EXTENSION, 'file.uploaded', 3000],
      ['folders[1]', 'scans', '/data/scans', ['.pdf', '.docx', '.txt'], 'scan.uploaded', 3000],
    ]);
    expect(folders[1]).toMatchObject({ afterPublish: 'delete', polling: true });
  });

  it('names every bad entry of the folders list at once', () => {
    expect(
      problemsOf({
        folders: [
          { name: 'Invoices', path: '/a' },
          { name: 'b', path: '/b', afterPublish: 'archive', color: 'red' },
          { name: 'c', path: '/c', eventType: 'invoice.received' },
          { name: 'd', path: '/d', eventType: 'upload' },
        ],
      }),
    ).toEqual([
      'folders[0].name: folder names are lower-case letters, digits and -',
      'folders[1].afterPublish: Invalid option: expected one of "leave"|"move"|"delete"',
      'folders[1]: Unrecognized key: "color"',
      "folders[2].eventType: invoice.received is a catalogue type with its own schema; a folder's type is file.uploaded or one of its own",
      'folders[3].eventType: "upload" is not a reverse-dotted event type such as scan.uploaded',
    ]);
  });

  it('refuses two folders of one name, and a folder inside another that is watched recursively', () => {
    expect(
      problemsOf({
        folders: [
          { name: 'in', path: '/data/in' },
          { name: 'in', path: '/data/other' },
          { name: 'nested', path: '/data/in/nested' },
        ],
      }),
    ).toEqual([
      'folders[1].name: "in" is already the name of folders[0]',
      'folders[2].path: /data/in/nested is also watched by folders[0] (in); each file belongs to one folder',
    ]);
  });

  it('allows a folder inside one that is not watched recursively', () => {
    expect(
      watchedFolders(
        configOf({
          folders: [
            { name: 'top', path: '/data/in', recursive: false },
            { name: 'nested', path: '/data/in/nested' },
          ],
        }),
      ),
    ).toHaveLength(2);
  });

  it('refuses FILE_WATCH_DIR together with a folders list, naming the key', () => {
    expect(problemsOf({ FILE_WATCH_DIR: '/a', folders: [{ name: 'a', path: '/a' }] })).toEqual([
      'FILE_WATCH_DIR: set either the folders list in the config file or one folder by FILE_WATCH_DIR, not both',
    ]);
  });

  it('names the environment key of a bad single folder', () => {
    expect(problemsOf({ FILE_WATCH_EVENT_TYPE: 'email.incoming' })[0]).toMatch(
      /^FILE_WATCH_EVENT_TYPE: email.incoming is a catalogue type/,
    );
    expect(problemsOf({ FILE_WATCH_DIR: '/claims/in', CLAIM_CHECK_DIR: '/claims' })).toEqual([
      'CLAIM_CHECK_DIR: the watched folder must not lie inside the claim-check folder',
    ]);
  });

  it('fails the config itself on a bad key value, with an example', () => {
    expect(() => configOf({ FILE_WATCH_AFTER_PUBLISH: 'archive' })).toThrow(
      /FILE_WATCH_AFTER_PUBLISH: .*example: FILE_WATCH_AFTER_PUBLISH=move/,
    );
    expect(() => configOf({ FILE_WATCH_STABILITY_MS: '0' })).toThrow(/FILE_WATCH_STABILITY_MS/);
  });
});
