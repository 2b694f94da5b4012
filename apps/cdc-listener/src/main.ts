import { runService } from '@flowline/service-runtime';
import { cdcListener } from './service';

runService(cdcListener);
