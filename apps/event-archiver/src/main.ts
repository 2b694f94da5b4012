import { runService } from '@flowline/service-runtime';

// The definition loads after telemetry has started, so express, pg, mongodb and amqplib are instrumented.
runService('event-archiver', () => import('./service.js').then(({ eventArchiver }) => eventArchiver));
