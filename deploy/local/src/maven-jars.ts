import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InfraError } from './infra-error';
import { lastLines, requireOnPath, runCommand } from './process-control';

// Server jars come from Maven Central through a checked-in pom that only lists dependencies.
// A marker file holds the pom's hash: the fetch is skipped while it matches, and redone when the
// pom changes (e.g. a Kafka upgrade). Jars land in a temp dir that is renamed into place, so an
// interrupted fetch never leaves a half-filled classpath that looks complete.

export interface MavenJars {
  /** For log lines: "kafka", "mongo-stand-in". */
  name: string;
  pom: string;
  libDir: string;
}

const markerName = '.fetched-from-pom.sha256';

export async function ensureMavenJars(jars: MavenJars, log: (line: string) => void): Promise<'cached' | 'fetched'> {
  const pomHash = crypto.createHash('sha256').update(fs.readFileSync(jars.pom)).digest('hex');
  const marker = path.join(jars.libDir, markerName);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === pomHash) return 'cached';

  requireOnPath('mvn', `needed once to fetch the ${jars.name} jars from Maven Central`);
  log(`${jars.name}: fetching jars with mvn (${path.relative(process.cwd(), jars.pom)})…`);
  const started = Date.now();
  const staging = `${jars.libDir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const result = await runCommand(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      jars.pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staging}`,
      '-DincludeScope=runtime',
    ],
    { timeoutMs: 10 * 60_000 },
  );
  if (result.code !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new InfraError(
      'FETCH_FAILED',
      `${jars.name}: mvn could not fetch the jars (exit ${result.code}): ${lastLines(result.stdout + result.stderr, 3)}`,
    );
  }
  fs.writeFileSync(path.join(staging, markerName), `${pomHash}\n`);
  fs.rmSync(jars.libDir, { recursive: true, force: true });
  fs.renameSync(staging, jars.libDir);
  log(`${jars.name}: fetched ${jarsIn(jars.libDir).length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'fetched';
}

export function classpathOf(libDir: string): string {
  return jarsIn(libDir)
    .map((jar) => path.join(libDir, jar))
    .join(path.delimiter);
}

function jarsIn(libDir: string): string[] {
  return fs
    .readdirSync(libDir)
    .filter((file) => file.endsWith('.jar'))
    .sort();
}
