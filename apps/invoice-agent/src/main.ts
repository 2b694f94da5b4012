import { runService } from '@flowline/service-runtime';
import { invoiceAgent } from './service';

runService(invoiceAgent);
