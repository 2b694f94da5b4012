/**
 * The whole platform for the fault suite: its own Kafka broker, PostgreSQL cluster and RabbitMQ
 * node (deploy/local's throwaway instances, since the suite stops and restarts them while other
 * test files run on the shared servers), the shared MongoDB stand-in under a database of its own,
 * and every service as a child process — two routers and two invoice agents in one group each, so
 * a kill moves partitions between live members under load.
 *
 * A service that exits without being killed by the suite (e.g. it gives up while Kafka is down)
 * is restarted, as Kubernetes would restart its pod, and the crash is recorded for the report.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  kafkaInstance,
  postgresInstance,
  rabbitMqNode,
  type KafkaInstance,
  type PostgresInstance,
  type RabbitMqNode,
} from '@flowline/local-infra';
import { freePort, ServiceProcess, spawnService, waitUntilReady } from '../service-process';

export interface FaultInfra {
  kafka: KafkaInstance;
  postgres: PostgresInstance;
  rabbit: RabbitMqNode;
  /** The application database on the suite's PostgreSQL. */
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startFaultInfra(): Promise<FaultInfra> {
  const dir = mkdtempSync(join(tmpdir(), 'flowline-faults-infra-'));
  // The database and RabbitMQ run as their own OS users, which must reach their directories.
  chmodSync(dir, 0o755);
  const kafkaPort = await freePort();
  const controllerPort = await freePort();
  const postgresPort = await freePort();
  const rabbitPort = await freePort();
  const distPort = await freePort();
  const sub = (name: string): string => mkdtempSync(join(dir, `${name}-`));
  const kafka = kafkaInstance({ dir: sub('kafka'), port: kafkaPort, controllerPort });
  const postgres = postgresInstance({ dir: sub('postgres'), port: postgresPort });
  const rabbit = rabbitMqNode({ dir: sub('rabbitmq'), port: rabbitPort, distPort });
  const stop = async (): Promise<void> => {
    await Promise.allSettled([kafka.stop(), postgres.stop('immediate'), rabbit.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // All settled before a failure is thrown, so that stop() finds every server that did start.
    const started = await Promise.allSettled([kafka.start(), postgres.start(), rabbit.start()]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE flowline');
    await admin.end();
  } catch (error) {
    await stop();
    throw error;
  }
  return { kafka, postgres, rabbit, databaseUrl: postgres.url.replace(/\/postgres$/, '/flowline'), stop };
}

/** A crash: a service exited while the suite had not killed it. */
export interface ServiceCrash {
  instance: string;
  at: number;
  code: number | null;
  lastOutput: string;
}

/** One running copy of a service, restarted on the same port (clients keep their URL). */
export class ServiceInstance {
  private process: ServiceProcess | undefined;
  private expectingExit = false;
  private stopped = false;

  constructor(
    readonly name: string,
    readonly app: string,
    private readonly env: Record<string, string>,
    private readonly onCrash: (crash: ServiceCrash) => void,
  ) {}

  url(path: string): string {
    if (this.process === undefined) throw new Error(`${this.name} was not started`);
    return this.process.url(path);
  }

  /** Everything every process of this instance wrote, earlier (killed) ones included. */
  output(): string {
    return this.earlierOutput + (this.process?.output() ?? '');
  }

  private earlierOutput = '';

  async start(): Promise<void> {
    this.earlierOutput += this.process?.output() ?? '';
    const started = await spawnService(this.app, this.env);
    this.process = started;
    this.expectingExit = false;
    void started.exited.then((code) => this.exited(started, code));
    await waitUntilReady(started, 120_000);
  }

  /** SIGKILL, then a new process on the same port; resolves once it is ready. */
  async killAndRestart(): Promise<void> {
    const victim = this.process;
    if (victim === undefined) throw new Error(`${this.name} was not started`);
    this.expectingExit = true;
    victim.signal('SIGKILL');
    await victim.exited;
    await this.start();
  }

  /** SIGTERM (the orderly stop) at the end of the run. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.expectingExit = true;
    const running = this.process;
    if (running === undefined) return;
    running.signal('SIGTERM');
    // A service that does not drain in time is killed, so the suite's own shutdown is bounded.
    const deadline = setTimeout(() => running.signal('SIGKILL'), 30_000);
    await running.exited;
    clearTimeout(deadline);
  }

  private exited(which: ServiceProcess, code: number | null): void {
    if (which !== this.process || this.expectingExit || this.stopped) return;
    const lines = which.output().trim().split('\n');
    this.onCrash({ instance: this.name, at: Date.now(), code, lastOutput: lines.slice(-5).join('\n') });
    // As a pod would be restarted; readiness waits as long as its dependencies are down.
    setTimeout(() => {
      if (!this.stopped) this.start().catch(() => undefined);
    }, 1_000);
  }
}

export interface ServiceSpec {
  name: string;
  app: string;
  env: Record<string, string>;
}

/** Starts every instance (in parallel: they are independent) on fixed ports. */
export async function startServices(
  specs: readonly ServiceSpec[],
  onCrash: (crash: ServiceCrash) => void,
): Promise<Map<string, ServiceInstance>> {
  const instances = await Promise.all(
    specs.map(async (spec) => {
      const port = await freePort();
      return new ServiceInstance(spec.name, spec.app, { ...spec.env, PORT: String(port) }, onCrash);
    }),
  );
  const byName = new Map(instances.map((instance) => [instance.name, instance]));
  const started = await Promise.allSettled(instances.map((instance) => instance.start()));
  const failed = started.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
  if (failed.length > 0) {
    await Promise.all(instances.map((instance) => instance.stop()));
    throw new Error(`services failed to start: ${failed.map((error) => error.message).join('\n')}`);
  }
  return byName;
}
