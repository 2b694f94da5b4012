import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';

export const fileWatcherConfig = baseServiceConfig.extend({
  PORT: configFields.port(8081),
});
export type FileWatcherConfig = z.infer<typeof fileWatcherConfig>;
