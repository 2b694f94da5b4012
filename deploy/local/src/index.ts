import './quiet-kafkajs-timer-warning';
import { InfraError, describeError } from './infra-error';
import { lockFile } from './infra-layout';
import { kafkaServer } from './kafka-server';
import type { LocalServer, Log, ServerName, ServerStatus } from './local-server';
import { localSettings, type InfraSettings } from './local-settings';
import { withExclusiveLock } from './lock';
import { mongoStandIn } from './mongo-stand-in';
import { postgresCluster } from './postgres-cluster';
import { rabbitMq } from './rabbitmq';

// Public entry of deploy/local: start, stop and inspect the local servers (Kafka, PostgreSQL, the
// MongoDB stand-in, RabbitMQ) as plain processes with their state under <repo>/.flowline.

export { InfraError, type InfraErrorCode } from './infra-error';
export { localKafkaSaslUser, localSettings, type InfraSettings } from './local-settings';
export type { ServerName, ServerStatus } from './local-server';

export interface InfraOptions {
  /** One line per server and step; silent by default. */
  log?: (line: string) => void;
}

const servers: readonly LocalServer[] = [kafkaServer, postgresCluster, mongoStandIn, rabbitMq];

// A cold start fetches jars and starts two JVMs; concurrent callers wait for it rather than fail.
const lockTimeoutMs = 10 * 60_000;

function lockOptions(log: Log): { timeoutMs: number; onWait: (holder: string) => void } {
  return {
    timeoutMs: lockTimeoutMs,
    onWait: (holder) => log(`waiting for another infraUp/infraDown to finish (${holder})`),
  };
}

/**
 * Starts whatever is not running (idempotent: healthy servers are reused, dead or hung ones
 * restarted) and returns once every server answers like a client needs it to.
 * Safe to call from several processes at once.
 */
export async function infraUp(opts: InfraOptions = {}): Promise<InfraSettings> {
  const log = opts.log ?? (() => undefined);
  await withExclusiveLock(lockFile, lockOptions(log), async () => {
    // Sequential: the mvn fetches share the local Maven repository, which has no locking.
    for (const server of servers) await server.prepare?.(log);
    // Parallel: the JVMs and the postmaster start independently.
    await settleAll(servers.map((server) => server.ensureRunning(log)));
  });
  return { ...localSettings };
}

/** Stops exactly the processes infraUp started (never the machine's RabbitMQ); data stays. */
export async function infraDown(opts: InfraOptions = {}): Promise<void> {
  const log = opts.log ?? (() => undefined);
  await withExclusiveLock(lockFile, lockOptions(log), () => settleAll(servers.map((server) => server.stop(log))));
}

export async function infraStatus(): Promise<Record<ServerName, ServerStatus>> {
  const statuses = await Promise.all(servers.map(async (server) => [server.name, await server.status()] as const));
  return Object.fromEntries(statuses) as Record<ServerName, ServerStatus>;
}

/** Waits for every task, then throws one error naming each failure (not just the first). */
async function settleAll(tasks: ReadonlyArray<Promise<void>>): Promise<void> {
  const failures = (await Promise.allSettled(tasks)).flatMap((result) =>
    result.status === 'rejected' ? [result.reason as unknown] : [],
  );
  const [first, ...rest] = failures;
  if (first === undefined) return;
  if (rest.length === 0 && first instanceof InfraError) throw first;
  const code = first instanceof InfraError ? first.code : 'START_FAILED';
  throw new InfraError(code, failures.map(describeError).join('; '), { cause: new AggregateError(failures) });
}

// Throwaway second servers for tests that stop and restart them (the fault suite).
export { kafkaInstance, type KafkaInstance, type KafkaInstanceOptions } from './kafka-instance';
export { postgresInstance, type PostgresInstance, type PostgresInstanceOptions } from './postgres-instance';
export { rabbitMqNode, type RabbitMqNode, type RabbitMqNodeOptions } from './rabbitmq-node';
