import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';

export const notifierConfig = baseServiceConfig.extend({
  PORT: configFields.port(8088),
});
export type NotifierConfig = z.infer<typeof notifierConfig>;
