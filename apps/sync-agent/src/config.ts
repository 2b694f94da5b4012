import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';

export const syncAgentConfig = baseServiceConfig.extend({
  PORT: configFields.port(8087),
});
export type SyncAgentConfig = z.infer<typeof syncAgentConfig>;
