import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { InfraError, describeError } from './infra-error';
import { flowlineDir, logFileOf } from './infra-layout';
import type { LocalServer, Log, ServerStatus } from './local-server';
import { databaseName, loopback, ports } from './local-settings';
import { includeLine, renderPgHba, renderPostgresConf } from './postgres-config';
import { isPortOpen } from './port-probe';
import { isAlive, lastLines, runCommand, tailOfFile, waitUntilGone, type RunResult } from './process-control';
import { waitUntil } from './wait-until';

// A dedicated PostgreSQL 15 cluster on 127.0.0.1:55432 with wal_level=logical for CDC. initdb and
// the server refuse to run as root, so as root every pg_* command runs as the `postgres` OS user
// (runuser) and the cluster's directories are chowned to it. pg_ctl owns the process: it records
// the postmaster in data/postmaster.pid, and `pg_ctl stop -m fast` is the clean way to stop it.

const pgBin = process.env['FLOWLINE_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const clusterDir = path.join(flowlineDir, 'postgres');
const dataDir = path.join(clusterDir, 'data');
const socketDir = path.join(clusterDir, 'run');
const logFile = logFileOf('postgres');
const osUser = 'postgres';
const runsAsRoot = process.getuid?.() === 0;
const superuserUrl = (database: string): string => `postgres://postgres@${loopback}:${ports.postgres}/${database}`;

/** Runs a PostgreSQL binary as the cluster's owner. */
function runPg(binary: string, args: readonly string[], timeoutMs = 120_000): Promise<RunResult> {
  const executable = path.join(pgBin, binary);
  // Own session: the postmaster pg_ctl leaves behind must not share the CLI's process group.
  const options = { cwd: clusterDir, timeoutMs, detached: true };
  return runsAsRoot
    ? runCommand('runuser', ['-u', osUser, '--', executable, ...args], options)
    : runCommand(executable, args, options);
}

function requireBinaries(): void {
  if (!fs.existsSync(path.join(pgBin, 'pg_ctl'))) {
    throw new InfraError(
      'TOOL_MISSING',
      `PostgreSQL 15 binaries not found in ${pgBin} (set FLOWLINE_PG_BIN to their directory)`,
    );
  }
}

/** As root: give the cluster's directories to the postgres user and check it can reach them. */
async function prepareDirectories(): Promise<void> {
  fs.mkdirSync(socketDir, { recursive: true });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  if (!fs.existsSync(logFile)) fs.writeFileSync(logFile, '');
  if (!runsAsRoot) return;
  const chown = await runCommand('chown', [`${osUser}:`, clusterDir, socketDir, logFile]);
  if (chown.code !== 0) {
    throw new InfraError('START_FAILED', `postgres: chown to ${osUser} failed: ${lastLines(chown.stderr, 1)}`);
  }
  const reach = await runCommand('runuser', ['-u', osUser, '--', 'test', '-w', clusterDir]);
  if (reach.code !== 0) {
    throw new InfraError(
      'START_FAILED',
      `postgres: the ${osUser} OS user cannot reach ${clusterDir}; make its parent directories traversable (chmod o+x)`,
    );
  }
}

async function initClusterOnce(log: Log): Promise<void> {
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  fs.rmSync(dataDir, { recursive: true, force: true });
  const result = await runPg('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-instructions',
  ]);
  if (result.code !== 0) {
    throw new InfraError(
      'START_FAILED',
      `postgres: initdb failed (exit ${result.code}): ${lastLines(result.stdout + result.stderr, 3)}`,
    );
  }
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n# deploy/local settings\n${includeLine}\n`);
  log(`postgres: initialised cluster in ${path.relative(flowlineDir, dataDir)}`);
}

function writeConfig(): void {
  const owner = fs.statSync(dataDir);
  const files: Array<[string, string]> = [
    ['flowline.conf', renderPostgresConf({ host: loopback, port: ports.postgres, socketDir })],
    ['pg_hba.conf', renderPgHba(loopback)],
  ];
  for (const [name, text] of files) {
    const file = path.join(dataDir, name);
    fs.writeFileSync(file, text, { mode: 0o600 });
    // Written by root into the postgres user's data directory: hand the file back to that user.
    if (runsAsRoot) fs.chownSync(file, owner.uid, owner.gid);
  }
}

async function isPostmasterRunning(): Promise<boolean> {
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return false;
  // pg_ctl's own check counts a killed postmaster that is not reaped yet (a zombie) as running.
  const pid = Number.parseInt(postmasterPid(), 10);
  if (!Number.isInteger(pid) || !isAlive(pid)) return false;
  // pg_ctl status: 0 = running, 3 = not running, 4 = no usable data directory.
  return (await runPg('pg_ctl', ['status', '-D', dataDir], 10_000)).code === 0;
}

function postmasterPid(): string {
  try {
    return fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '?';
  } catch {
    return '?';
  }
}

async function withClient<T>(database: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: superuserUrl(database),
    connectionTimeoutMillis: 2000,
    query_timeout: 10_000,
  });
  // A server that goes away mid-probe emits 'error' on the client; the awaited query reports it.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A real query, logical WAL, and the application database (created on first start). */
async function probeAndEnsureDatabase(): Promise<string> {
  const { version, walLevel } = await withClient('postgres', async (client) => {
    const walLevelRow = await client.query<{ wal_level: string }>('SHOW wal_level');
    const versionRow = await client.query<{ server_version: string }>('SHOW server_version');
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${databaseName}`);
    return { version: versionRow.rows[0]?.server_version ?? '?', walLevel: walLevelRow.rows[0]?.wal_level ?? '?' };
  });
  if (walLevel !== 'logical') throw new Error(`wal_level is ${walLevel}, expected logical`);
  await withClient(databaseName, (client) => client.query('SELECT 1'));
  return `PostgreSQL ${version}, wal_level=${walLevel}, database ${databaseName}`;
}

async function stopCluster(mode: 'fast' | 'immediate'): Promise<RunResult> {
  return runPg('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60'], 90_000);
}

async function ensureRunning(log: Log): Promise<void> {
  requireBinaries();
  await prepareDirectories();
  if (await isPostmasterRunning()) {
    if (await isPortOpen(loopback, ports.postgres)) {
      try {
        const detail = await waitUntil('postgres query', probeAndEnsureDatabase, { timeoutMs: 30_000 });
        log(`postgres: already running (pid ${postmasterPid()}; ${detail})`);
        return;
      } catch (error) {
        log(`postgres: pid ${postmasterPid()} runs but does not answer (${describeError(error)}); restarting`);
      }
    } else {
      log(`postgres: pid ${postmasterPid()} runs but nothing listens on ${loopback}:${ports.postgres}; restarting`);
    }
    await stopCluster('immediate');
  }
  if (await isPortOpen(loopback, ports.postgres)) {
    // Another checkout's cluster (or one someone runs by hand) is reused when it serves what
    // we need, as Kafka and the Mongo stand-in are; otherwise the port is simply taken.
    try {
      const detail = await probeAndEnsureDatabase();
      log(`postgres: already running on ${loopback}:${ports.postgres} (not started by deploy/local; ${detail})`);
      return;
    } catch (error) {
      throw new InfraError(
        'PORT_TAKEN',
        `postgres: ${loopback}:${ports.postgres} is taken by a server deploy/local did not start and cannot use (${describeError(error)})`,
      );
    }
  }

  const previousPid = Number.parseInt(postmasterPid(), 10);
  if (Number.isInteger(previousPid)) {
    log(`postgres: postmaster ${previousPid} from postmaster.pid is gone; starting a new one`);
    await waitUntilGone(previousPid, 15_000);
  }

  const started = Date.now();
  await initClusterOnce(log);
  writeConfig();
  // -p on the command line too, so `ps`/`pgrep` show which cluster this is.
  const start = await runPg('pg_ctl', [
    'start',
    '-D',
    dataDir,
    '-l',
    logFile,
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${ports.postgres}`,
  ]);
  if (start.code !== 0) {
    throw new InfraError(
      'START_FAILED',
      `postgres: pg_ctl start failed (exit ${start.code}): ${tailOfFile(logFile, 3) || lastLines(start.stderr, 3)} (see ${logFile})`,
    );
  }
  const detail = await waitUntil('postgres query', probeAndEnsureDatabase, { timeoutMs: 60_000 });
  log(`postgres: started (pid ${postmasterPid()}) in ${((Date.now() - started) / 1000).toFixed(1)} s; ${detail}`);
}

async function stop(log: Log): Promise<void> {
  if (!(await isPostmasterRunning())) {
    log('postgres: not running');
    return;
  }
  const pid = postmasterPid();
  const fast = await stopCluster('fast');
  if (fast.code !== 0) {
    const immediate = await stopCluster('immediate');
    if (immediate.code !== 0) {
      throw new InfraError(
        'STOP_FAILED',
        `postgres: pg_ctl stop failed: ${lastLines(immediate.stdout + immediate.stderr, 2)}`,
      );
    }
  }
  log(`postgres: stopped (pid ${pid})`);
}

async function status(): Promise<ServerStatus> {
  const running = await isPostmasterRunning();
  const owner = running ? `pid ${postmasterPid()}` : 'no cluster of ours runs';
  try {
    const detail = await withClient(databaseName, async (client) => {
      const row = await client.query<{ version: string; wal_level: string }>(
        "SELECT current_setting('server_version') AS version, current_setting('wal_level') AS wal_level",
      );
      return `PostgreSQL ${row.rows[0]?.version ?? '?'}, wal_level=${row.rows[0]?.wal_level ?? '?'}`;
    });
    return { up: true, detail: `${loopback}:${ports.postgres}/${databaseName}, ${owner}, ${detail}` };
  } catch (error) {
    return { up: false, detail: `${loopback}:${ports.postgres} does not answer (${describeError(error)}); ${owner}` };
  }
}

export const postgresCluster: LocalServer = { name: 'postgres', ensureRunning, stop, status };
