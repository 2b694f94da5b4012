import path from 'node:path';

// Everything deploy/local owns lives under <repo>/.flowline (git-ignored). The repo root comes from
// this file's location, not from process.cwd(), so Jest projects, Nx targets and the CLI run from
// any directory all share one set of servers.
export const repoRoot = path.resolve(__dirname, '../../..');
export const deployLocalDir = path.resolve(__dirname, '..');
export const flowlineDir = path.join(repoRoot, '.flowline');
export const logsDir = path.join(flowlineDir, 'logs');
export const pidDir = path.join(flowlineDir, 'run');
export const lockFile = path.join(flowlineDir, 'infra.lock');

export function pidFileOf(server: string): string {
  return path.join(pidDir, `${server}.pid`);
}

export function logFileOf(server: string): string {
  return path.join(logsDir, `${server}.log`);
}
