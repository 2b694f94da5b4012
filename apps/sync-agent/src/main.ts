import { runService } from '@flowline/service-runtime';
import { syncAgent } from './service';

runService(syncAgent);
