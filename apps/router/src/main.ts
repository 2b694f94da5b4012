import { runService } from '@flowline/service-runtime';

// The definition loads after telemetry has started, so express, pg, mongodb and amqplib are instrumented.
runService('router', () => import('./service.js').then(({ router }) => router));
