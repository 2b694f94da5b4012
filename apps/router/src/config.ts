import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';

export const routerConfig = baseServiceConfig.extend({
  PORT: configFields.port(8083),
});
export type RouterConfig = z.infer<typeof routerConfig>;
