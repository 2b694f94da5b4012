import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from './infra-error';

// Linux process helpers for the servers deploy/local starts. A pid alone is not proof of ownership
// (pids are reused), so "ours" always means: alive AND its command line contains a marker only our
// servers have (a path under .flowline). Servers run detached in their own session and process
// group (pgid = pid), so stopping signals the whole group.

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state; Z = zombie, X = dead.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * Waits until no process with this pid exists at all, not even as a zombie. PostgreSQL refuses to
 * start while the pid in its postmaster.pid exists, and a killed postmaster lingers as a zombie
 * until init reaps it.
 */
export async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    }
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

export function commandLineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** Alive and started by us: its command line contains every marker. */
export function isOurProcess(pid: number, markers: readonly string[]): boolean {
  if (!isAlive(pid)) return false;
  const commandLine = commandLineOf(pid);
  return commandLine !== undefined && markers.every((marker) => commandLine.includes(marker));
}

export function isOnPath(tool: string): boolean {
  return (process.env['PATH'] ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        fs.accessSync(path.join(dir, tool), fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

export function requireOnPath(tool: string, why: string): void {
  if (!isOnPath(tool)) {
    throw new InfraError('TOOL_MISSING', `${tool} not found on PATH (${why})`);
  }
}

export interface DetachedSpawn {
  command: string;
  args: readonly string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a long-lived server that outlives the caller: own session (detached), stdin from
 * /dev/null, stdout+stderr appended to logFile, and unref'd so the CLI can exit.
 */
export function spawnDetached(options: DetachedSpawn): number {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  rotateIfLarge(options.logFile);
  const logFd = fs.openSync(options.logFile, 'a');
  try {
    fs.writeSync(logFd, `\n==== ${new Date().toISOString()} starting: ${options.command} ${options.args.join(' ')}\n`);
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    // A spawn failure (ENOENT) is reported asynchronously; the pid is then undefined.
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) {
      throw new InfraError('START_FAILED', `could not start ${options.command}`);
    }
    return child.pid;
  } finally {
    fs.closeSync(logFd);
  }
}

/** Logs are appended across restarts; keep one previous generation once a log passes 64 MB. */
function rotateIfLarge(logFile: string): void {
  try {
    if (fs.statSync(logFile).size > 64 * 1024 * 1024) fs.renameSync(logFile, `${logFile}.1`);
  } catch {
    // No log yet.
  }
}

export type StopOutcome = 'not-running' | 'terminated' | 'killed';

/**
 * SIGTERM to the process group, wait up to graceMs for the leader to exit, then SIGKILL the group.
 * Servers get the chance to flush (Kafka closes its logs cleanly, H2 commits its store).
 */
export async function stopProcessGroup(pid: number, graceMs: number): Promise<StopOutcome> {
  if (!isAlive(pid)) return 'not-running';
  signalGroup(pid, 'SIGTERM');
  // A stopped (SIGSTOP, `kill -STOP`) process only acts on SIGTERM once it continues.
  signalGroup(pid, 'SIGCONT');
  if (await waitForExit(pid, graceMs)) return 'terminated';
  signalGroup(pid, 'SIGKILL');
  if (await waitForExit(pid, 5000)) return 'killed';
  throw new InfraError('STOP_FAILED', `process ${pid} survived SIGKILL`);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Not a group leader (or already gone): signal the process itself.
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Own session, so that daemons it leaves behind (pg_ctl's postmaster) are not in our group. */
  detached?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a short command to completion and returns its exit code and output (never throws on exit code). */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: options.detached ?? false,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new InfraError('START_FAILED', `could not run ${command}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr });
    });
  });
}

/** Last non-empty lines of a text (a log file or stderr), for error messages. */
export function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-count)
    .join(' | ');
}

export function tailOfFile(file: string, count: number): string {
  try {
    const size = fs.statSync(file).size;
    const length = Math.min(size, 16_384);
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, size - length);
    } finally {
      fs.closeSync(fd);
    }
    return lastLines(buffer.toString('utf8'), count);
  } catch {
    return '';
  }
}
