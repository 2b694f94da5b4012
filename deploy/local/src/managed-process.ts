import { InfraError, describeError } from './infra-error';
import type { Log, ServerStatus } from './local-server';
import { readPidFile, removePidFile, writePidFile } from './pid-file';
import { isPortOpen } from './port-probe';
import { isAlive, isOurProcess, stopProcessGroup, tailOfFile } from './process-control';
import { loopback } from './local-settings';
import type { WaitOptions } from './wait-until';

// The life cycle shared by the servers we run as our own detached processes (Kafka, the MongoDB
// stand-in): reuse a healthy one, heal a dead or hung one, refuse a port held by a stranger that
// does not answer, and stop only what our pid file names and our markers confirm.

export interface ManagedProcess {
  /** For log lines and error messages. */
  label: string;
  port: number;
  pidFile: string;
  logFile: string;
  /** Substrings of the command line that only our instance has (guards against pid reuse). */
  markers: readonly string[];
  /** One quick check for `status`: resolves with a short description, rejects when it does not answer. */
  probe(): Promise<string>;
  /** Waits until the server does everything clients need (resolves with a short description). */
  waitReady(options: WaitOptions): Promise<string>;
  /** Starts the server detached and returns its pid (the caller waits for readiness). */
  spawn(log: Log): Promise<number>;
  startTimeoutMs: number;
  stopGraceMs: number;
}

/** How long an existing server may take to answer before we call it hung and restart it. */
const reuseTimeoutMs = 30_000;

export async function ensureManagedProcess(server: ManagedProcess, log: Log): Promise<void> {
  const recordedPid = readPidFile(server.pidFile);
  if (recordedPid !== undefined && isOurProcess(recordedPid, server.markers)) {
    if (await isPortOpen(loopback, server.port)) {
      try {
        const detail = await server.waitReady({ timeoutMs: reuseTimeoutMs });
        log(`${server.label}: already running (pid ${recordedPid}; ${detail})`);
        return;
      } catch (error) {
        log(`${server.label}: pid ${recordedPid} runs but does not answer (${describeError(error)}); restarting`);
      }
    } else {
      log(`${server.label}: pid ${recordedPid} runs but nothing listens on ${loopback}:${server.port}; restarting`);
    }
    await stopProcessGroup(recordedPid, server.stopGraceMs);
    removePidFile(server.pidFile);
  } else if (recordedPid !== undefined) {
    log(`${server.label}: process ${recordedPid} from the pid file is gone; starting a new one`);
    removePidFile(server.pidFile);
  }

  if (await isPortOpen(loopback, server.port)) {
    try {
      const detail = await server.waitReady({ timeoutMs: 10_000 });
      log(`${server.label}: already running on ${loopback}:${server.port} (not started by deploy/local; ${detail})`);
      return;
    } catch (error) {
      throw new InfraError(
        'PORT_TAKEN',
        `${server.label}: ${loopback}:${server.port} is taken by a process deploy/local did not start and it does not answer (${describeError(error)})`,
      );
    }
  }

  const started = Date.now();
  const pid = await server.spawn(log);
  writePidFile(server.pidFile, pid);
  try {
    const detail = await server.waitReady({
      timeoutMs: server.startTimeoutMs,
      abortIf: () =>
        isAlive(pid)
          ? undefined
          : `process ${pid} exited; last log lines: ${tailOfFile(server.logFile, 3)} (see ${server.logFile})`,
    });
    log(`${server.label}: started (pid ${pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s; ${detail}`);
  } catch (error) {
    // Do not leave a half-started server behind: the next infraUp starts from a clean slate.
    await stopProcessGroup(pid, server.stopGraceMs);
    removePidFile(server.pidFile);
    throw error;
  }
}

export async function stopManagedProcess(server: ManagedProcess, log: Log): Promise<void> {
  const pid = readPidFile(server.pidFile);
  if (pid === undefined || !isOurProcess(pid, server.markers)) {
    log(`${server.label}: not running`);
    removePidFile(server.pidFile);
    return;
  }
  const outcome = await stopProcessGroup(pid, server.stopGraceMs);
  removePidFile(server.pidFile);
  log(`${server.label}: stopped (pid ${pid}${outcome === 'killed' ? ', needed SIGKILL' : ''})`);
}

export async function statusOfManagedProcess(server: ManagedProcess): Promise<ServerStatus> {
  const pid = readPidFile(server.pidFile);
  const ours = pid !== undefined && isOurProcess(pid, server.markers);
  const owner = ours ? `pid ${pid}` : 'not started by deploy/local';
  try {
    return { up: true, detail: `${loopback}:${server.port}, ${owner}, ${await server.probe()}` };
  } catch (error) {
    const process = ours ? `pid ${pid} runs` : 'no process of ours';
    return { up: false, detail: `${loopback}:${server.port} does not answer (${describeError(error)}); ${process}` };
  }
}
