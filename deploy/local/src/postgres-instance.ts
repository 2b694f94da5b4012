import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { InfraError } from './infra-error';
import { loopback } from './local-settings';
import { includeLine, renderPgHba, renderPostgresConf } from './postgres-config';
import { lastLines, runCommand, tailOfFile, type RunResult } from './process-control';
import { waitUntil } from './wait-until';

// A second, throwaway PostgreSQL 15 cluster beside the shared one (postgres-cluster.ts): initdb in
// a directory the caller owns, the same rendered config (wal_level=logical, trust on loopback),
// another port. For tests that stop and restart the database server (the fault suite), which
// must not disturb the other test files on the shared cluster. As root, every pg_* command runs
// as the `postgres` OS user, since initdb and the server refuse root.

const pgBin = process.env['FLOWLINE_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const osUser = 'postgres';
const runsAsRoot = process.getuid?.() === 0;

export interface PostgresInstanceOptions {
  /** Holds the cluster; the caller owns it (a temp dir). Handed to the postgres user as root. */
  dir: string;
  port: number;
}

export interface PostgresInstance {
  /** The `postgres` database as the superuser. */
  readonly url: string;
  start(): Promise<void>;
  /** `fast`: disconnect clients and shut down cleanly; `immediate`: as a crash would (recovery at start). */
  stop(mode?: 'fast' | 'immediate', timeoutSeconds?: number): Promise<void>;
  /** The server log's last lines, for a report. */
  logTail(lines: number): string;
}

export function postgresInstance(options: PostgresInstanceOptions): PostgresInstance {
  const dataDir = path.join(options.dir, 'data');
  const socketDir = path.join(options.dir, 'run');
  const logFile = path.join(options.dir, 'postgres.log');
  const url = `postgres://postgres@${loopback}:${options.port}/postgres`;

  const runPg = (binary: string, args: readonly string[]): Promise<RunResult> => {
    const executable = path.join(pgBin, binary);
    // Own session: the postmaster pg_ctl leaves behind must not share the test's process group.
    const runOptions = { cwd: options.dir, timeoutMs: 120_000, detached: true };
    return runsAsRoot
      ? runCommand('runuser', ['-u', osUser, '--', executable, ...args], runOptions)
      : runCommand(executable, args, runOptions);
  };

  const check = (what: string, result: RunResult): void => {
    if (result.code !== 0) {
      throw new InfraError(
        'START_FAILED',
        `postgres instance: ${what} failed (exit ${result.code}): ${tailOfFile(logFile, 3) || lastLines(result.stdout + result.stderr, 3)}`,
      );
    }
  };

  const initOnce = async (): Promise<void> => {
    if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
    fs.mkdirSync(socketDir, { recursive: true });
    fs.writeFileSync(logFile, '');
    if (runsAsRoot) check('chown', await runCommand('chown', ['-R', `${osUser}:`, options.dir]));
    const args = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-instructions'];
    check('initdb', await runPg('initdb', args));
    const owner = fs.statSync(dataDir);
    const files: Array<[string, string]> = [
      ['flowline.conf', renderPostgresConf({ host: loopback, port: options.port, socketDir })],
      ['pg_hba.conf', renderPgHba(loopback)],
    ];
    for (const [name, text] of files) {
      const file = path.join(dataDir, name);
      fs.writeFileSync(file, text, { mode: 0o600 });
      if (runsAsRoot) fs.chownSync(file, owner.uid, owner.gid);
    }
    fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n${includeLine}\n`);
  };

  const answers = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query('SELECT 1');
    } finally {
      await client.end();
    }
  };

  return {
    url,
    async start() {
      await initOnce();
      check('pg_ctl start', await runPg('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60']));
      await waitUntil('postgres instance query', answers, { timeoutMs: 60_000 });
    },
    async stop(mode = 'fast', timeoutSeconds = 60) {
      if (!fs.existsSync(path.join(dataDir, 'postmaster.pid'))) return;
      const args = ['stop', '-D', dataDir, '-m', mode, '-w', '-t', String(timeoutSeconds)];
      check(`pg_ctl stop -m ${mode}`, await runPg('pg_ctl', args));
    },
    logTail: (lines) => tailOfFile(logFile, lines),
  };
}
