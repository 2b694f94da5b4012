/**
 * Jest global setup for integration and end-to-end tests: gives the tests KAFKA_BROKERS,
 * DATABASE_URL, MONGODB_URL and AMQP_URL for real servers.
 *
 *   FLOWLINE_TEST_INFRA=auto        (default) containers when a runtime answers, else local
 *   FLOWLINE_TEST_INFRA=containers  testcontainers, fail if no runtime
 *   FLOWLINE_TEST_INFRA=local       deploy/local: reuse the running servers, start (or restart) what is down
 *
 * Settings already in the environment are kept only with FLOWLINE_TEST_INFRA=external
 * (servers someone else runs). Idempotent within one Jest run: several projects share it.
 */
import './workspace-sources';
import { infraUp } from '@flowline/local-infra';
import { containerRuntimeAvailable, startContainerInfra, StartedInfra } from './container-infra';
import { INFRA_KEYS, InfraSettings } from './infra-settings';

const MODES = ['auto', 'containers', 'local', 'external'] as const;
type Mode = (typeof MODES)[number];

declare global {
  var __flowlineInfra: { mode: Mode; containers?: StartedInfra } | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (globalThis.__flowlineInfra !== undefined) return;
  const requested = (process.env['FLOWLINE_TEST_INFRA'] ?? 'auto') as Mode;
  if (!MODES.includes(requested)) {
    throw new Error(`FLOWLINE_TEST_INFRA must be one of ${MODES.join(', ')} (got "${requested}")`);
  }
  const log = (line: string): void => {
    process.stderr.write(`[flowline test infra] ${line}\n`);
  };

  let settings: InfraSettings;
  let mode: Mode = requested;
  let containers: StartedInfra | undefined;
  if (requested === 'external') {
    const missing = INFRA_KEYS.filter((key) => process.env[key] === undefined);
    if (missing.length > 0) throw new Error(`FLOWLINE_TEST_INFRA=external needs ${missing.join(', ')} set`);
    settings = Object.fromEntries(INFRA_KEYS.map((key) => [key, process.env[key] as string])) as InfraSettings;
  } else {
    const useContainers = requested === 'containers' || (requested === 'auto' && (await containerRuntimeAvailable()));
    if (requested === 'containers' && !useContainers) {
      throw new Error('FLOWLINE_TEST_INFRA=containers but no container runtime answers (is Docker running?)');
    }
    if (useContainers) {
      mode = 'containers';
      log('starting Kafka, PostgreSQL, MongoDB and RabbitMQ containers');
      containers = await startContainerInfra();
      settings = containers.settings;
    } else {
      mode = 'local';
      log('no container runtime: using the local infrastructure (deploy/local)');
      settings = await infraUp({ log });
    }
  }
  for (const key of INFRA_KEYS) process.env[key] = settings[key];
  log(`${mode}: ${INFRA_KEYS.map((key) => `${key}=${settings[key]}`).join(' ')}`);
  globalThis.__flowlineInfra = { mode, ...(containers === undefined ? {} : { containers }) };
}
