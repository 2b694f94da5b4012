import { runService } from '@flowline/service-runtime';
import { notifier } from './service';

runService(notifier);
