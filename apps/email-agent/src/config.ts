import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';

export const emailAgentConfig = baseServiceConfig.extend({
  PORT: configFields.port(8085),
});
export type EmailAgentConfig = z.infer<typeof emailAgentConfig>;
