import { runService } from '@flowline/service-runtime';
import { emailAgent } from './service';

runService(emailAgent);
