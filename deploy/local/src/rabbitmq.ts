import { connect } from 'amqplib';
import { InfraError, describeError } from './infra-error';
import type { LocalServer, Log, ServerStatus } from './local-server';
import { localSettings, loopback, ports } from './local-settings';
import { isPortOpen } from './port-probe';
import { isOnPath, lastLines, runCommand } from './process-control';
import { waitUntil } from './wait-until';

// RabbitMQ is the machine's own server, not ours: we only check that it answers. If it is down
// and rabbitmq-server is installed we try to start it once, but we never stop it.

async function probe(): Promise<string> {
  const connection = await connect(localSettings.AMQP_URL, { timeout: 2000 });
  try {
    const properties = connection.connection.serverProperties;
    return `RabbitMQ ${properties.version ?? '?'} (the machine's server)`;
  } finally {
    await connection.close();
  }
}

function redacted(): string {
  return localSettings.AMQP_URL.replace(/\/\/[^@]*@/, '//…@');
}

async function ensureRunning(log: Log): Promise<void> {
  try {
    log(`rabbitmq: already running (${await probe()})`);
    return;
  } catch (error) {
    if (await isPortOpen(loopback, ports.rabbitmq)) {
      // Something listens (bad credentials, still booting, not RabbitMQ): starting another won't help.
      throw new InfraError(
        'UNREACHABLE',
        `RabbitMQ at ${loopback}:${ports.rabbitmq} does not accept ${redacted()}: ${describeError(error)}`,
        {
          cause: error,
        },
      );
    }
    if (!isOnPath('rabbitmq-server')) {
      throw new InfraError(
        'UNREACHABLE',
        `RabbitMQ at ${loopback}:${ports.rabbitmq} refused the connection (${describeError(error)}): start it with \`rabbitmq-server -detached\``,
        { cause: error },
      );
    }
    log(`rabbitmq: not answering (${describeError(error)}); trying \`rabbitmq-server -detached\``);
  }
  const started = Date.now();
  const result = await runCommand('rabbitmq-server', ['-detached'], { timeoutMs: 60_000, detached: true });
  if (result.code !== 0) {
    throw new InfraError(
      'UNREACHABLE',
      `RabbitMQ at ${loopback}:${ports.rabbitmq} is down and \`rabbitmq-server -detached\` failed: ${lastLines(result.stdout + result.stderr, 2)}`,
    );
  }
  const detail = await waitUntil('rabbitmq connection', probe, { timeoutMs: 90_000, intervalMs: 1000 });
  log(`rabbitmq: started with rabbitmq-server -detached in ${((Date.now() - started) / 1000).toFixed(1)} s; ${detail}`);
}

async function status(): Promise<ServerStatus> {
  try {
    return { up: true, detail: `${loopback}:${ports.rabbitmq}, ${await probe()}` };
  } catch (error) {
    return { up: false, detail: `${loopback}:${ports.rabbitmq} does not answer (${describeError(error)})` };
  }
}

export const rabbitMq: LocalServer = {
  name: 'rabbitmq',
  ensureRunning,
  stop: (log) => {
    log("rabbitmq: left running (the machine's server, not started by deploy/local)");
    return Promise.resolve();
  },
  status,
};
