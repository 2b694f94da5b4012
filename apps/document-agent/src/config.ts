import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';

export const documentAgentConfig = baseServiceConfig.extend({
  PORT: configFields.port(8086),
});
export type DocumentAgentConfig = z.infer<typeof documentAgentConfig>;
