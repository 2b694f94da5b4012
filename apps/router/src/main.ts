import { runService } from '@flowline/service-runtime';
import { router } from './service';

runService(router);
