import {
  ANY_EXTENSION,
  isHidden,
  isIgnored,
  matchesExtension,
  normaliseExtensions,
  relativeInside,
} from './file-filter';

describe('extensions', () => {
  it('are matched case-insensitively, with or without the dot in the config', () => {
    const extensions = normaliseExtensions(['PDF', '.Docx', 'txt', '.tar.gz']);
    expect(extensions).toEqual(['.pdf', '.docx', '.txt', '.tar.gz']);
    expect(matchesExtension('Scan 0001.PDF', extensions)).toBe(true);
    expect(matchesExtension('report.docx', extensions)).toBe(true);
    expect(matchesExtension('backup.tar.gz', extensions)).toBe(true);
    expect(matchesExtension('invoice.pdf.part', extensions)).toBe(false);
    expect(matchesExtension('photo.jpg', extensions)).toBe(false);
    expect(matchesExtension('.pdf', extensions)).toBe(false);
  });

  it('* accepts every file', () => {
    expect(normaliseExtensions(['.pdf', '*'])).toBe(ANY_EXTENSION);
    expect(matchesExtension('anything.bin', ANY_EXTENSION)).toBe(true);
  });
});

describe('relativeInside', () => {
  it('gives the path inside the root, /-separated, and nothing for a path outside', () => {
    expect(relativeInside('/data/in', '/data/in/2024/a b.pdf')).toBe('2024/a b.pdf');
    expect(relativeInside('/data/in', '/data/in')).toBe('');
    expect(relativeInside('/data/in', '/data/inbox/a.pdf')).toBeUndefined();
    expect(relativeInside('/data/in', '/data/in/../secret.pdf')).toBeUndefined();
    expect(relativeInside('/data/in', '/etc/passwd')).toBeUndefined();
    expect(relativeInside('/data/in', '/data/in/..hidden.pdf')).toBe('..hidden.pdf');
  });
});

describe('ignored paths', () => {
  const rule = { root: '/data/in', extensions: ['.pdf'], excluded: ['/data/in/processed'] };

  it('ignores hidden entries, the excluded folders and files of other extensions', () => {
    expect(isHidden('a/.snapshot/x.pdf')).toBe(true);
    expect(isIgnored(rule, '/data/in/.~lock.invoice.pdf#', undefined)).toBe(true);
    expect(isIgnored(rule, '/data/in/.snapshot', 'directory')).toBe(true);
    expect(isIgnored(rule, '/data/in/processed', 'directory')).toBe(true);
    expect(isIgnored(rule, '/data/in/processed/a.pdf', 'other')).toBe(true);
    expect(isIgnored(rule, '/data/in/notes.txt', 'other')).toBe(true);
  });

  it('keeps folders, files of the extension, the root and what lies above it', () => {
    expect(isIgnored(rule, '/data/in/2024', 'directory')).toBe(false);
    expect(isIgnored(rule, '/data/in/2024.txt', undefined)).toBe(false);
    expect(isIgnored(rule, '/data/in/a\nb.PDF', 'other')).toBe(false);
    expect(isIgnored(rule, '/data/in', 'directory')).toBe(false);
    expect(isIgnored(rule, '/data', 'directory')).toBe(false);
  });
});
