import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connect } from 'amqplib';
import { InfraError } from './infra-error';
import { loopback } from './local-settings';
import { lastLines, requireOnPath, runCommand, tailOfFile, type RunResult } from './process-control';
import { waitUntil } from './wait-until';

// A second, throwaway RabbitMQ node beside the machine's own (rabbitmq.ts), run with the
// machine's rabbitmq-server: its own node name, AMQP and distribution ports, Mnesia and log
// directories, and a config file of its own (the machine's /etc/rabbitmq names port 5672). For
// tests that stop and restart the broker (the fault suite) without touching the shared one.
// Durable queues and persistent messages survive stop/start, as on a real restart.
// As root, the node runs as the `rabbitmq` OS user (it shares that user's Erlang cookie, so
// rabbitmqctl can reach it) and the directory is handed to that user.

const serverBin = '/usr/lib/rabbitmq/bin';
const osUser = 'rabbitmq';
const runsAsRoot = process.getuid?.() === 0;

export interface RabbitMqNodeOptions {
  /** Holds Mnesia, logs and config; the caller owns it (a temp dir). */
  dir: string;
  port: number;
  distPort: number;
}

export interface RabbitMqNode {
  readonly nodeName: string;
  readonly url: string;
  start(): Promise<void>;
  /** `rabbitmqctl stop`: closes every connection and halts the node. */
  stop(): Promise<void>;
}

export function rabbitMqNode(options: RabbitMqNodeOptions): RabbitMqNode {
  const nodeName = `faults-${randomBytes(4).toString('hex')}@localhost`;
  const url = `amqp://guest:guest@${loopback}:${options.port}`;
  const configFile = path.join(options.dir, 'rabbitmq.conf');
  const logDir = path.join(options.dir, 'log');
  const env: Record<string, string> = {
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_CONFIG_FILE: configFile,
    // The machine's rabbitmq-env.conf names its own node; this node reads none.
    RABBITMQ_CONF_ENV_FILE: '/dev/null',
    RABBITMQ_DIST_PORT: String(options.distPort),
    RABBITMQ_MNESIA_BASE: path.join(options.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: logDir,
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(options.dir, 'enabled_plugins'),
  };

  const run = (command: string, args: readonly string[]): Promise<RunResult> => {
    const executable = path.join(serverBin, command);
    const settings = Object.entries(env).map(([key, value]) => `${key}=${value}`);
    const runOptions = { cwd: options.dir, timeoutMs: 60_000, detached: true };
    return runsAsRoot
      ? runCommand('runuser', ['-u', osUser, '--', 'env', ...settings, executable, ...args], runOptions)
      : runCommand('env', [...settings, executable, ...args], runOptions);
  };

  const prepareOnce = async (): Promise<void> => {
    if (fs.existsSync(configFile)) return;
    fs.mkdirSync(logDir, { recursive: true });
    fs.writeFileSync(configFile, `listeners.tcp.local = ${loopback}:${options.port}\n`);
    // No plugins: the management plugin would want the machine's port 15672.
    fs.writeFileSync(path.join(options.dir, 'enabled_plugins'), '[].\n');
    if (runsAsRoot) {
      const chown = await runCommand('chown', ['-R', `${osUser}:`, options.dir]);
      if (chown.code !== 0) throw new InfraError('START_FAILED', `rabbitmq node: chown failed: ${chown.stderr}`);
    }
  };

  const answers = async (): Promise<void> => {
    const connection = await connect(url, { timeout: 2000 });
    await connection.close();
  };

  return {
    nodeName,
    url,
    async start() {
      requireOnPath('rabbitmq-server', 'the fault suite runs a RabbitMQ node of its own');
      await prepareOnce();
      const started = await run('rabbitmq-server', ['-detached']);
      if (started.code !== 0) {
        throw new InfraError(
          'START_FAILED',
          `rabbitmq node ${nodeName}: rabbitmq-server -detached failed: ${lastLines(started.stdout + started.stderr, 2)}`,
        );
      }
      await waitUntil('rabbitmq node connection', answers, {
        timeoutMs: 90_000,
        intervalMs: 500,
        abortIf: () => {
          const log = tailOfFile(path.join(logDir, `${nodeName}.log`), 200);
          return log.includes('init terminating') ? `the node failed to boot (see ${logDir})` : undefined;
        },
      });
    },
    async stop() {
      const stopped = await run('rabbitmqctl', ['-n', nodeName, 'stop']);
      if (stopped.code !== 0 && !/nodedown|unable to connect/i.test(stopped.stdout + stopped.stderr)) {
        throw new InfraError(
          'STOP_FAILED',
          `rabbitmq node ${nodeName}: rabbitmqctl stop failed: ${lastLines(stopped.stdout + stopped.stderr, 2)}`,
        );
      }
    },
  };
}
