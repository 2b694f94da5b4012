/**
 * The `flowline` process: wires the real connections, signals and terminal into `runCli`,
 * then exits with its code once stdout and stderr are flushed — a Kafka client's retry
 * timers must not keep an operator's shell waiting after the answer is printed.
 */
import { runCli } from './cli';
import type { CliConfig } from './config';
import type { Connections } from './ports';
import { terminalProgressBar } from './progress-bar';

/**
 * The clients (kafkajs, pg, the telemetry lib with OpenTelemetry) take most of a second to
 * load: load them only when a command connects, so --help and usage errors answer at once.
 */
function connectWhenNeeded(config: CliConfig, options: { verbose: boolean }): Connections {
  const connections = import('./connect.js').then(({ connectFlowline }) => connectFlowline(config, options));
  return {
    eventStore: async () => (await connections).eventStore(),
    topicReader: async () => (await connections).topicReader(),
    publisher: async () => (await connections).publisher(),
    subscriptions: async () => (await connections).subscriptions(),
    close: async () => (await connections).close(),
  };
}

const interrupt = new AbortController();
let interruptedAt: number | undefined;

/** The first SIGINT/SIGTERM stops the command cleanly; a second one, a moment later, exits at once. */
function onSignal(): void {
  if (interruptedAt === undefined) {
    interruptedAt = Date.now();
    interrupt.abort();
  } else if (Date.now() - interruptedAt > 1_000) {
    // Within a second it is the same Ctrl-C seen twice (the terminal and bin/flowline.js both deliver it).
    process.exit(130);
  }
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// `flowline tail … | head`: the reader went away, which ends the command like Ctrl-C.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  interrupt.abort();
});

function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

runCli(
  process.argv.slice(2),
  { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
  {
    env: process.env,
    connect: connectWhenNeeded,
    signal: interrupt.signal,
    now: () => new Date(),
    ...(process.stderr.isTTY ? { progress: terminalProgressBar } : {}),
  },
).then(exitWhenFlushed, (error: unknown) => {
  // runCli reports every failure itself; this is a bug in it.
  process.stderr.write(
    `flowline: INTERNAL: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  exitWhenFlushed(1);
});
