/**
 * CPU time of the PostgreSQL backends serving one database, read from /proc: the bench's
 * scratch databases are its own, so this is PostgreSQL's work for the run alone, not that of
 * other clients of a shared server (nor its background writers). Only when the server runs
 * on this machine and its processes are readable; undefined otherwise.
 */
import { readFile } from 'node:fs/promises';
import type { Pool } from 'pg';

/** Linux reports process times in USER_HZ, 100 per second on every common architecture. */
const TICKS_PER_SECOND = 100;

/** CPU µs (user + system) so far of each backend connected to the pool's database, by pid. */
export async function backendCpuMicros(pool: Pool): Promise<Map<number, number> | undefined> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`,
  );
  const micros = new Map<number, number>();
  for (const { pid } of rows) {
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    // Fields after the command name (which may hold spaces) in parentheses: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    micros.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND);
  }
  return micros;
}

/** CPU µs the backends spent between two readings (a backend that connected in between counts whole). */
export function backendCpuSpent(
  before: Map<number, number> | undefined,
  after: Map<number, number> | undefined,
): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  let spent = 0;
  for (const [pid, micros] of after) spent += micros - (before.get(pid) ?? 0);
  return spent;
}
