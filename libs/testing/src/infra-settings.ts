/** The connection settings every integration test reads; the same names the services use. */
export const INFRA_KEYS = ['KAFKA_BROKERS', 'DATABASE_URL', 'MONGODB_URL', 'AMQP_URL'] as const;
export type InfraKey = (typeof INFRA_KEYS)[number];
export type InfraSettings = Record<InfraKey, string>;

/** Read inside a test: fails with a clear message when the global setup did not run. */
export function testInfra(): InfraSettings {
  const missing = INFRA_KEYS.filter((key) => process.env[key] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `integration infrastructure not set up (${missing.join(', ')} missing): run this test through a Jest config whose globalSetup is @flowline/testing's global-setup (npm test does)`,
    );
  }
  return Object.fromEntries(INFRA_KEYS.map((key) => [key, process.env[key] as string])) as InfraSettings;
}
