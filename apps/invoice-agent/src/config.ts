import type { z } from 'zod';
import { baseServiceConfig, configFields } from '@flowline/service-runtime';

export const invoiceAgentConfig = baseServiceConfig.extend({
  PORT: configFields.port(8084),
});
export type InvoiceAgentConfig = z.infer<typeof invoiceAgentConfig>;
