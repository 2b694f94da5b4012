import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';

export const cdcListenerConfig = baseServiceConfig.extend({
  PORT: configFields.port(8082),
});
export type CdcListenerConfig = z.infer<typeof cdcListenerConfig>;
