/**
 * Runs a Flowline service as a real child process, from its TypeScript source (tsx, with
 * the workspace libs resolved to their sources), the way `nx serve` does.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { waitFor } from '@flowline/testing';

export const REPO_ROOT = resolve(__dirname, '../..');

export interface ServiceProcess {
  readonly app: string;
  readonly port: number;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  url(path: string): string;
  signal(signal: NodeJS.Signals): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function spawnService(app: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = env['PORT'] === undefined ? await freePort() : Number(env['PORT']);
  const portSetting = env['PORT'] ?? String(port);
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=flowline-source', '--import', 'tsx', join(REPO_ROOT, 'apps', app, 'src', 'main.ts')],
    { cwd: REPO_ROOT, env: { ...process.env, ...env, PORT: portSetting }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return {
    app,
    port,
    output: () => output,
    exited,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    signal: (signal) => child.kill(signal),
  };
}

/** Waits until the service answers /readyz with 200; fails early with its output if it exits. */
export async function waitUntilReady(service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  let exitCode: number | null | undefined;
  void service.exited.then((code) => (exitCode = code));
  await waitFor(
    async () => {
      if (exitCode !== undefined)
        throw new Error(`${service.app} exited with ${String(exitCode)} before it was ready:\n${service.output()}`);
      const response = await fetch(service.url('/readyz'));
      return response.status === 200;
    },
    { timeoutMs, intervalMs: 200, description: `${service.app} to be ready` },
  );
}

/** Sends SIGTERM and resolves with the exit code. */
export async function terminate(service: ServiceProcess): Promise<number | null> {
  service.signal('SIGTERM');
  return service.exited;
}
