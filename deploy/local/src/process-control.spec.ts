import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive, isOurProcess, spawnDetached, stopProcessGroup } from './process-control';
import { waitUntil } from './wait-until';

describe('spawnDetached and stopProcessGroup', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-infra-process-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts a server in its own process group and stops the whole group with SIGTERM', async () => {
    const marker = path.join(dir, 'marker');
    // The shell stays the group leader and its `sleep` child is in the same group.
    const pid = spawnDetached({
      command: 'sh',
      args: ['-c', `sleep 60 & wait # ${marker}`],
      logFile: path.join(dir, 'server.log'),
    });
    expect(isOurProcess(pid, [marker])).toBe(true);
    expect(isOurProcess(pid, ['some-other-marker'])).toBe(false);

    await expect(stopProcessGroup(pid, 5000)).resolves.toBe('terminated');
    expect(isAlive(pid)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'server.log'), 'utf8')).toContain('starting: sh -c');
  });

  it('uses SIGKILL after the grace time when SIGTERM is ignored', async () => {
    const logFile = path.join(dir, 'stubborn.log');
    const pid = spawnDetached({
      command: 'sh',
      args: ['-c', "trap '' TERM; echo armed; while :; do sleep 1; done"],
      logFile,
    });
    // A SIGTERM that arrives before the trap is set would simply end the shell.
    await waitUntil(
      'the shell to ignore SIGTERM',
      async () => {
        // A line of its own: the log's first line ("starting: sh -c … echo armed …") names the word too.
        if (!/^armed$/m.test(await fs.promises.readFile(logFile, 'utf8'))) throw new Error('trap not set yet');
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    await expect(stopProcessGroup(pid, 300)).resolves.toBe('killed');
    expect(isAlive(pid)).toBe(false);
  });

  it('reports a pid that does not exist as not running', async () => {
    await expect(stopProcessGroup(2 ** 22 + 12345, 100)).resolves.toBe('not-running');
  });
});
