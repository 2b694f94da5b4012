/** The sync agent's own Prometheus metrics, registered in the service's registry. */
import { Counter, Histogram, type Registry } from 'prom-client';

export type SyncResult = 'applied' | 'stale' | 'repeated' | 'failed';

export interface SyncMetrics {
  /** Changes handled, by target and result. */
  readonly changes: Counter<'target' | 'result'>;
  /** Time to apply one change (reads, write, outcome record), by target. */
  readonly applySeconds: Histogram<'target'>;
}

export function createSyncMetrics(registry: Registry): SyncMetrics {
  return {
    changes: new Counter({
      name: 'flowline_sync_changes_total',
      help: 'data.changed events handled, by target and result: applied, stale (a newer change was held), repeated (an event id handled before), failed (an attempt threw)',
      labelNames: ['target', 'result'],
      registers: [registry],
    }),
    applySeconds: new Histogram({
      name: 'flowline_sync_apply_seconds',
      help: 'Time to apply one change to the read model, by target',
      labelNames: ['target'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
