import { runService } from '@flowline/service-runtime';
import { fileWatcher } from './service';

runService(fileWatcher);
