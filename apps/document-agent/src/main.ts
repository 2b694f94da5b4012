import { runService } from '@flowline/service-runtime';
import { documentAgent } from './service';

runService(documentAgent);
