import { runService } from '@flowline/service-runtime';

// The definition loads after telemetry has started, so express, pg, mongodb and amqplib are instrumented.
runService('cdc-listener', () => import('./service.js').then(({ cdcListener }) => cdcListener));
