import { runService } from '@flowline/service-runtime';
import { webhookGateway } from './service';

runService(webhookGateway);
