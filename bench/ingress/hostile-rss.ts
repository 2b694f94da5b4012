/**
 * The webhook gateway's memory under the worst input it can be sent (issue 18): the gateway as
 * deployed (`apps/webhook-gateway/dist/main.js`, its default HTTP timeouts and 1 MB body
 * limit) on the local broker and database, then, one after another and at the end all at
 * once: concurrent 100 MB bodies (declared and chunked), hundreds of slowloris sockets sending
 * a byte a second, header floods (just under Node's 16 kB limit, and 5000 headers), JSON
 * nested 100k levels, and full 1 MB bodies that are accepted and published.
 *
 * Memory is read from /proc/<pid>/status: VmRSS sampled every 50 ms, and VmHWM (the kernel's
 * own peak), reset before each phase through /proc/<pid>/clear_refs where the kernel allows.
 * The figure that matters is the peak against the idle RSS after a warm-up; a bounded gateway
 * adds tens of MB under attack, not the sum of what it was sent.
 *
 *   npm run bench:hostile                      # about a minute and a half on 2 cores
 *   BENCH_SCALE=2 npm run bench:hostile        # twice the concurrency in every phase
 *
 * Output: a table on stdout and one JSON line (also bench/ingress/results/hostile-rss.json, git-ignored).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createScratchDatabase } from '@flowline/testing';
import { withDeadline } from '../messaging/deadline';
import { killAll, REPO_ROOT, spawnService, summarizeLog, waitUntilReady, type BenchProcess } from './child-process';

const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');
const MB = 2 ** 20;
/** The gateway's defaults (apps/webhook-gateway/src/config.ts): the bench measures them. */
const HEADERS_TIMEOUT_MS = 10_000;

interface PhaseResult {
  phase: string;
  requests: number;
  /** Status line of each answer (or `closed` when the server closed without one), counted. */
  answers: Record<string, number>;
  peakRssMb: number;
  seconds: number;
}

/** VmRSS or VmHWM of a process, in MB (NaN once it is gone). */
function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : Number(match[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Resets the kernel's peak RSS (VmHWM) to the current RSS; false where the kernel does not allow it. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The highest VmRSS seen by sampling, and VmHWM at the end: the larger of the two is the phase's peak. */
async function measurePhase(
  gateway: BenchProcess,
  phase: string,
  attack: () => Promise<string[]>,
): Promise<PhaseResult> {
  const pid = gateway.pid as number;
  resetPeak(pid);
  let sampled = memoryMb(pid, 'VmRSS');
  const sampler = setInterval(() => (sampled = Math.max(sampled, memoryMb(pid, 'VmRSS'))), 50);
  const started = performance.now();
  let outcomes: string[];
  try {
    outcomes = await withDeadline(attack(), 120_000, phase);
  } finally {
    clearInterval(sampler);
  }
  const answers: Record<string, number> = {};
  for (const outcome of outcomes) answers[outcome] = (answers[outcome] ?? 0) + 1;
  const result = {
    phase,
    requests: outcomes.length,
    answers,
    peakRssMb: round(Math.max(sampled, memoryMb(pid, 'VmHWM'))),
    seconds: round((performance.now() - started) / 1000),
  };
  process.stderr.write(`${JSON.stringify(result)}\n`);
  // Let the gateway free what the phase left (closed sockets, garbage) before the next one.
  await sleep(2_000);
  return result;
}

const round = (value: number): number => Math.round(value * 10) / 10;

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The status of the first answer on a socket (`408`, `413`, …), or `closed`/`open` when there was none. */
function firstAnswer(socket: Socket): { status(): string; done: Promise<void> } {
  let text = '';
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n')) resolve();
    });
    socket.on('close', () => resolve());
  });
  // The server may reset a connection it refused while the client still writes.
  socket.on('error', () => undefined);
  return { status: () => /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? (socket.destroyed ? 'closed' : 'open'), done };
}

/** One 100 MB upload: declared (Content-Length) or chunked, sent as fast as the gateway reads it. */
async function hugeBody(port: number, declared: boolean): Promise<string> {
  const socket = await openSocket(port);
  const answer = firstAnswer(socket);
  const framing = declared ? `content-length: ${100 * MB}` : 'transfer-encoding: chunked';
  socket.write(`POST /webhooks/open HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`);
  const chunk = Buffer.alloc(256 * 1024, 0x20);
  const frame = declared
    ? chunk
    : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
  let answered = false;
  void answer.done.then(() => (answered = true));
  for (let sent = 0; sent < 100 * MB && !answered && !socket.destroyed; sent += chunk.length) {
    if (!socket.write(frame)) {
      await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), answer.done]);
    }
  }
  await answer.done;
  socket.destroy();
  return answer.status();
}

/** A slowloris: a request line and headers sent a byte a second until the gateway closes the socket. */
async function slowloris(port: number, until: number): Promise<string> {
  const socket = await openSocket(port);
  const answer = firstAnswer(socket);
  const request = `POST /webhooks/open HTTP/1.1\r\nhost: bench\r\nx-slow: ${'a'.repeat(200)}`;
  let next = 0;
  const drip = setInterval(() => {
    if (!socket.destroyed && next < request.length) socket.write(request[next++] as string);
  }, 1_000);
  await Promise.race([answer.done, sleep(Math.max(0, until - performance.now()))]);
  clearInterval(drip);
  const status = answer.status();
  socket.destroy();
  return status;
}

/** A request written raw (any headers, any body), answered by its status. */
async function rawRequest(port: number, head: string, body: Buffer | string = ''): Promise<string> {
  const socket = await openSocket(port);
  const answer = firstAnswer(socket);
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  socket.write(`POST /webhooks/open HTTP/1.1\r\nhost: bench\r\n${head}content-length: ${length}\r\n\r\n`);
  socket.write(body);
  await answer.done;
  socket.destroy();
  return answer.status();
}

const times = <T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: Math.round(count * SCALE) }, (_, i) => make(i)));

/** ~15 kB of headers (just under Node's 16 kB limit, so they are parsed), or 5000 of them (refused 431). */
function headerFlood(i: number): string {
  const count = i % 2 === 0 ? 300 : 5_000;
  return Array.from({ length: count }, (_, n) => `x-flood-${n}: ${'v'.repeat(i % 2 === 0 ? 35 : 8)}\r\n`).join('');
}

const deepJson = '['.repeat(100_000) + ']'.repeat(100_000);
/** A body at the 1 MB limit that is valid JSON: accepted, published, 202. */
const fullBody = JSON.stringify({ filler: 'x'.repeat(1_000_000 - 20) });

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'flowline-hostile-rss-'));
  const configFile = join(workDir, 'gateway.yaml');
  await writeFile(
    configFile,
    [
      'sources:',
      '  - name: open',
      '    scheme: none',
      '    allowUnsigned: true',
      '    rateLimit: { perMinute: 1000000000, burst: 1000000000 }',
      '',
    ].join('\n'),
  );
  const prefix = `bench-hostile-${Date.now()}.`;
  const database = await createScratchDatabase(
    process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:55432/flowline',
    'hostile_rss',
  );
  const gateway = await spawnService(
    'webhook-gateway',
    {
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      FLOWLINE_TOPIC_PREFIX: prefix,
      FLOWLINE_CONFIG_FILE: configFile,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'warn',
    },
    workDir,
  );
  const phases: PhaseResult[] = [];
  try {
    await waitUntilReady(gateway);
    const pid = gateway.pid as number;
    const port = gateway.port;
    // Warm-up: the JIT, Kafka metadata and the producer's first batches, the dedupe pool.
    for (let round = 0; round < 10; round++) await times(20, () => rawRequest(port, '', '{"warm":true}'));
    await sleep(3_000);
    const idleRssMb = round(memoryMb(pid, 'VmRSS'));
    const startupPeakMb = round(memoryMb(pid, 'VmHWM'));
    const peakResettable = resetPeak(pid);
    process.stderr.write(`idle RSS ${idleRssMb} MB (peak during start and warm-up ${startupPeakMb} MB)\n`);

    const hugeBodies = () => times(20, (i) => hugeBody(port, i % 2 === 0));
    const slowClients = () => {
      const until = performance.now() + HEADERS_TIMEOUT_MS + 4_000;
      return times(500, () => slowloris(port, until));
    };
    const floods = () => times(200, (i) => rawRequest(port, headerFlood(i), '{}'));
    const deep = () => times(100, () => rawRequest(port, 'content-type: application/json\r\n', deepJson));
    const full = () => times(50, () => rawRequest(port, 'content-type: application/json\r\n', fullBody));

    phases.push(await measurePhase(gateway, '20 concurrent 100 MB bodies (half declared, half chunked)', hugeBodies));
    phases.push(await measurePhase(gateway, '500 slowloris sockets, a header byte a second', slowClients));
    phases.push(await measurePhase(gateway, '200 header floods (15 kB of headers / 5000 headers)', floods));
    phases.push(await measurePhase(gateway, '100 concurrent JSON bodies nested 100k levels', deep));
    phases.push(await measurePhase(gateway, '50 concurrent accepted 1 MB bodies', full));
    phases.push(
      await measurePhase(gateway, 'all of the above at once', async () =>
        (await Promise.all([hugeBodies(), slowClients(), floods(), deep(), full()])).flat(),
      ),
    );

    // Still serving after all of it.
    const after = await rawRequest(port, 'content-type: application/json\r\n', '{"after":true}');
    const healthy = (await fetch(gateway.url('/readyz'))).status;
    const result = {
      idleRssMb,
      startupPeakMb,
      peakResettable,
      worstPeakRssMb: Math.max(...phases.map((phase) => phase.peakRssMb)),
      afterAttack: { webhook: after, readyz: healthy, rssMb: round(memoryMb(pid, 'VmRSS')) },
      scale: SCALE,
      phases,
      gatewayLog: await summarizeLog(gateway.logFile),
    };
    printTable(result);
    await mkdir(join(REPO_ROOT, 'bench/ingress/results'), { recursive: true });
    writeFileSync(join(REPO_ROOT, 'bench/ingress/results/hostile-rss.json'), `${JSON.stringify(result)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (after !== '202' || healthy !== 200) process.exitCode = 1;
  } finally {
    await gateway.stop();
    await database.drop();
  }
}

function printTable(result: {
  idleRssMb: number;
  worstPeakRssMb: number;
  afterAttack: { webhook: string; readyz: number; rssMb: number };
  phases: PhaseResult[];
}): void {
  const lines = [
    `gateway idle RSS after warm-up: ${result.idleRssMb} MB; worst peak: ${result.worstPeakRssMb} MB ` +
      `(+${round(result.worstPeakRssMb - result.idleRssMb)} MB)`,
    '| phase | requests | answers | peak RSS MB | s |',
    '|---|---|---|---|---|',
    ...result.phases.map(
      (phase) =>
        `| ${phase.phase} | ${phase.requests} | ${Object.entries(phase.answers)
          .map(([status, count]) => `${status}×${count}`)
          .join(' ')} | ${phase.peakRssMb} | ${phase.seconds} |`,
    ),
    `after: a webhook → ${result.afterAttack.webhook}, /readyz → ${result.afterAttack.readyz}, RSS ${result.afterAttack.rssMb} MB`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  killAll();
  process.exitCode = 1;
});
