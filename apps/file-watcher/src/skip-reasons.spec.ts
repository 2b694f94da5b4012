import { SKIP_MESSAGES, SKIP_REASONS, skipReasonOf } from './skip-reasons';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('skipReasonOf', () => {
  it.each([
    ['ENOENT', 'vanished'],
    ['ENOTDIR', 'vanished'],
    ['EACCES', 'unreadable'],
    ['EPERM', 'unreadable'],
    ['ELOOP', 'symlink_outside'],
    ['ENXIO', 'not_a_file'],
    ['EISDIR', 'not_a_file'],
    ['EIO', 'read_error'],
    ['ESTALE', 'read_error'],
  ])('%s → %s', (code, reason) => {
    expect(skipReasonOf(errno(code))).toBe(reason);
  });

  it('treats an error without a code as a read error', () => {
    expect(skipReasonOf(new Error('boom'))).toBe('read_error');
    expect(skipReasonOf(undefined)).toBe('read_error');
  });

  it('has a log line for every reason', () => {
    for (const reason of SKIP_REASONS) expect(SKIP_MESSAGES[reason]).toMatch(/skipped/);
  });
});
