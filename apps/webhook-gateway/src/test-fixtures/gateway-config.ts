/** A gateway config file and secret files in a fresh folder, as a deployment would mount them. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { uniqueDirectory } from '@flowline/testing';

/**
 * Writes each secret to its own file and the `sources:` list (built with those files' paths)
 * to a YAML config file; returns the config file's path (FLOWLINE_CONFIG_FILE).
 */
export async function writeGatewayConfig(
  secrets: Record<string, string>,
  sources: (secretFile: (name: string) => { file: string }) => readonly Record<string, unknown>[],
): Promise<string> {
  const dir = await uniqueDirectory('gateway-config');
  const secretPath = (name: string): string => join(dir, `secret-${name}`);
  for (const [name, secret] of Object.entries(secrets)) await writeFile(secretPath(name), `${secret}\n`);
  const configFile = join(dir, 'webhook-gateway.yaml');
  await writeFile(configFile, stringify({ sources: sources((name) => ({ file: secretPath(name) })) }));
  return configFile;
}

/** The value of one sample of a Prometheus metric in /metrics text, 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (wanted.every((pair) => labelText.split(',').includes(pair)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
