import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';

export const eventArchiverConfig = baseServiceConfig.extend({
  PORT: configFields.port(8089),
});
export type EventArchiverConfig = z.infer<typeof eventArchiverConfig>;
