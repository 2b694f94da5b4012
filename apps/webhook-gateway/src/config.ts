import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';

export const gatewayConfig = baseServiceConfig.extend({
  PORT: configFields.port(8080),
  /** Accepted source names (`POST /webhooks/:source`). Signature schemes per source come with the gateway issue. */
  WEBHOOK_SOURCES: withExample(
    z
      .string()
      .default('sample')
      .transform((value) =>
        value
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
      )
      .pipe(
        z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'source names are lower-case letters, digits and -')).min(1),
      ),
    'github,stripe',
  ),
  WEBHOOK_MAX_BODY_BYTES: configFields.positiveInt(1_048_576),
  /** How long a request waits for Kafka's acknowledgement before answering 503. */
  PUBLISH_TIMEOUT_MS: configFields.positiveInt(10_000),
});
export type GatewayConfig = z.infer<typeof gatewayConfig>;
