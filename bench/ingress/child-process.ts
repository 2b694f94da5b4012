/**
 * The processes under test, each a Node process of its own as deployed: a service from its
 * build (`node apps/<app>/dist/main.js`, libs from their `dist/` too) or a baseline script of
 * this bench. Their stdout and stderr go to a log file (read afterwards for warnings and
 * Kafka error responses), never through the bench's event loop.
 *
 * Every process started is tracked, so the watchdog and Ctrl-C can kill what is still
 * running before the bench exits; `stop` sends SIGTERM (a drain) and SIGKILL after a deadline.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, createReadStream, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { waitUntil } from '../messaging/deadline';

export const REPO_ROOT = resolve(__dirname, '../..');

export interface BenchProcess {
  readonly name: string;
  readonly pid: number | undefined;
  readonly port: number;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  /** Still running (not exited)? */
  running(): boolean;
  url(path: string): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every process this bench started that still runs (the watchdog's and Ctrl-C's last step). */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A built service as deployed: `node apps/<app>/dist/main.js` (build it first: the npm script does). */
export function spawnService(
  app: string,
  env: Record<string, string>,
  logDir: string,
  label = app,
): Promise<BenchProcess> {
  return spawnNode(label, [join(REPO_ROOT, 'apps', app, 'dist', 'main.js')], env, logDir);
}

/** A script of this bench, run from source by tsx (it imports libs from their `dist/`, as the services do). */
export function spawnBenchScript(
  script: string,
  env: Record<string, string>,
  logDir: string,
  label: string,
): Promise<BenchProcess> {
  return spawnNode(label, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'ingress', script)], env, logDir);
}

async function spawnNode(
  name: string,
  args: string[],
  env: Record<string, string>,
  logDir: string,
): Promise<BenchProcess> {
  const port = env['PORT'] === undefined ? await freePort() : Number(env['PORT']);
  const logFile = join(logDir, `${name}.log`);
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  live.add(child);
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (exitCode) => {
      live.delete(child);
      code = exitCode;
      resolveExit(exitCode);
    }),
  );
  return {
    name,
    pid: child.pid,
    port,
    logFile,
    exited,
    running: () => code === undefined,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    async stop(graceMs = 20_000) {
      if (code !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Waits until the process answers `GET path` with 200; fails at once, with its log file named, if it exits. */
export async function waitUntilReady(process: BenchProcess, timeoutMs = 60_000, path = '/readyz'): Promise<void> {
  await waitUntil(
    async () => {
      if (!process.running()) throw new Error(`${process.name} exited before it was ready; see ${process.logFile}`);
      try {
        return (await fetch(process.url(path), { signal: AbortSignal.timeout(2_000) })).status === 200;
      } catch {
        return false;
      }
    },
    performance.now() + timeoutMs,
    100,
    `${process.name} ready`,
  );
}

export interface LogSummary {
  lines: number;
  /** Lines at pino level warn (40) or above. */
  warnings: number;
  /** Kafka error responses in warning lines (kafkajs logs `Response <Api>(…)` with the error), by API and error. */
  kafkaErrors: Record<string, number>;
  /** The first few warning messages, for the report. */
  firstWarnings: string[];
}

/** Reads a process's JSON log lines: how many warned, and which Kafka error responses it met. */
export async function summarizeLog(file: string): Promise<LogSummary> {
  const summary: LogSummary = { lines: 0, warnings: 0, kafkaErrors: {}, firstWarnings: [] };
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    summary.lines++;
    if (!line.startsWith('{')) continue;
    let entry: { level?: unknown; msg?: unknown; error?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (typeof entry.level !== 'number' || entry.level < 40) continue;
    summary.warnings++;
    const message = typeof entry.msg === 'string' ? entry.msg : '';
    // kafkajs: "Response AddPartitionsToTxn(key: 24, version: 1)" with the broker's error message in `error`.
    if (message.startsWith('Response ') && typeof entry.error === 'string') {
      const api = message.slice('Response '.length).split('(')[0] ?? '';
      const key = `${api}: ${entry.error.slice(0, 120)}`;
      summary.kafkaErrors[key] = (summary.kafkaErrors[key] ?? 0) + 1;
    }
    if (summary.firstWarnings.length < 3) summary.firstWarnings.push(message.slice(0, 200));
  }
  return summary;
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN where that
 * cannot be read. The difference over a run says how much of the machine's two cores a
 * process took: latency on a saturated machine is queueing for CPU.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th, stime the 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // sysconf(_SC_CLK_TCK) is 100 on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The local Kafka broker's process id (its JVM runs `kafka.Kafka`), to count its CPU too; undefined if not found. */
export function findBrokerPid(): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka')) return Number(entry);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    // No /proc: not Linux.
  }
  return undefined;
}

/** The whole machine's CPU seconds spent so far (all cores, busy time), from /proc/stat; NaN where unavailable. */
export function machineBusySeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    // user nice system idle iowait irq softirq steal …: busy is everything but idle and iowait.
    const total = cpu.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return (total - (cpu[3] ?? 0) - (cpu[4] ?? 0)) / 100;
  } catch {
    return Number.NaN;
  }
}
