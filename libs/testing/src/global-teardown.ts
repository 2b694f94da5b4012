/**
 * Stops what the global setup started as containers. Local servers are left running on
 * purpose: the next run reuses them in seconds; `npm run infra:down` stops them.
 */
export default async function globalTeardown(): Promise<void> {
  const started = globalThis.__flowlineInfra;
  if (started?.containers !== undefined) await started.containers.stop();
  globalThis.__flowlineInfra = undefined;
}
