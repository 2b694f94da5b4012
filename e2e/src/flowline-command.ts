/** Runs the `flowline` CLI as a real process, from its TypeScript source, and collects its output. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './service-process';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runFlowline(args: readonly string[], env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=flowline-source', '--import', 'tsx', join(REPO_ROOT, 'apps/flowline-cli/src/main.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A node of `flowline trace --json`, as these tests read it. */
export interface TraceNodeJson {
  id: string;
  type: string;
  status: string;
  appearances: { topic: string }[];
  deadLetter?: { reason: string };
  children: TraceNodeJson[];
}

/** Every node of `flowline trace <correlationId> --json`, depth first; [] while the CLI finds nothing yet. */
export async function traceNodes(correlationId: string, env: Record<string, string>): Promise<TraceNodeJson[]> {
  const result = await runFlowline(['trace', correlationId, '--json'], env);
  if (result.code !== 0) return [];
  const flatten = (nodes: readonly TraceNodeJson[]): TraceNodeJson[] =>
    nodes.flatMap((node) => [node, ...flatten(node.children)]);
  return flatten((JSON.parse(result.stdout) as { roots: TraceNodeJson[] }).roots);
}
