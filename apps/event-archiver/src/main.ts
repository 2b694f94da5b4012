import { runService } from '@flowline/service-runtime';
import { eventArchiver } from './service';

runService(eventArchiver);
