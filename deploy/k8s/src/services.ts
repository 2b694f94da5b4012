/**
 * What the Kubernetes manifests say about each long-running service, beyond what its own
 * config schema already says (port, shutdown deadline, which settings it reads): how many
 * replicas, whether two may ever run at once, its own settings, and a data volume.
 *
 * Edit here, then `npm run k8s:generate` writes deploy/k8s/base/ again; a test
 * fails while the files on disk differ from what this table gives.
 */
import type { z } from 'zod';
import { cdcListenerConfig } from '../../../apps/cdc-listener/src/config';
import { documentAgentConfig } from '../../../apps/document-agent/src/config';
import { emailAgentConfig } from '../../../apps/email-agent/src/config';
import { eventArchiverConfig } from '../../../apps/event-archiver/src/config';
import { fileWatcherConfig } from '../../../apps/file-watcher/src/config';
import { invoiceAgentConfig } from '../../../apps/invoice-agent/src/config';
import { notifierConfig } from '../../../apps/notifier/src/config';
import { routerConfig } from '../../../apps/router/src/config';
import { syncAgentConfig } from '../../../apps/sync-agent/src/config';
import { gatewayConfig } from '../../../apps/webhook-gateway/src/config';

export interface ServiceSpec {
  /** The folder under apps/, the image's APP build argument, and the Kubernetes name. */
  app: string;
  /** The app's config schema: the manifest sets exactly the keys it reads that the cluster must supply. */
  configSchema: z.ZodObject;
  replicas: number;
  /**
   * Why at most one pod may run, even during a rollout (Recreate: the old pod is gone
   * before the new one starts). Undefined for services that scale out.
   */
  singleton?: string;
  /** The service's own settings (keys of its config schema), as text. */
  settings?: Record<string, string>;
  /** A persistent volume mounted at /data (the image's data directory). */
  dataVolume?: { size: string };
  /**
   * A Secret the pod reads as files (read-only), e.g. webhook signing secrets: a rotation is
   * an edit of the Secret, and the values never appear in the Deployment.
   */
  secretFiles?: { secretName: string; mountPath: string };
  /** Kubernetes component label. */
  component: 'ingress' | 'router' | 'agent' | 'egress' | 'audit';
}

export const SERVICES: readonly ServiceSpec[] = [
  {
    app: 'webhook-gateway',
    configSchema: gatewayConfig,
    replicas: 2,
    component: 'ingress',
    // One signed source by environment; more sources: a ConfigMap with the gateway's YAML
    // `sources:` list, mounted and named by FLOWLINE_CONFIG_FILE in an overlay (apps/webhook-gateway/README.md).
    settings: {
      WEBHOOK_SOURCE_NAME: 'sample',
      WEBHOOK_SCHEME: 'standard-webhooks',
      WEBHOOK_SECRET_FILE: '/etc/flowline/webhook-secrets/sample',
    },
    secretFiles: { secretName: 'flowline-webhook-secrets', mountPath: '/etc/flowline/webhook-secrets' },
  },
  {
    app: 'file-watcher',
    configSchema: fileWatcherConfig,
    replicas: 1,
    component: 'ingress',
    singleton:
      'its folder is on a ReadWriteOnce volume; instances sharing one folder (a ReadWriteMany volume) would read every file twice, though their shared dedupe table publishes each content once',
    // The watched folder on the pod's volume. Claim checks go to PostgreSQL large objects:
    // the agents that read them cannot mount a ReadWriteOnce volume (a ReadWriteMany one can
    // take CLAIM_CHECK_STORE=folder and CLAIM_CHECK_DIR in an overlay).
    settings: { FILE_WATCH_DIR: '/data/inbox', CLAIM_CHECK_STORE: 'postgres' },
    dataVolume: { size: '10Gi' },
  },
  {
    app: 'cdc-listener',
    configSchema: cdcListenerConfig,
    replicas: 1,
    component: 'ingress',
    singleton: 'a logical replication slot serves one reader at a time',
  },
  { app: 'router', configSchema: routerConfig, replicas: 2, component: 'router' },
  { app: 'invoice-agent', configSchema: invoiceAgentConfig, replicas: 2, component: 'agent' },
  {
    app: 'email-agent',
    configSchema: emailAgentConfig,
    replicas: 2,
    component: 'agent',
    // Invoice attachments as PostgreSQL large objects: its pods share no volume, and the
    // invoice agent opens a `claim:pg/…` reference wherever it runs.
    settings: { CLAIM_CHECK_STORE: 'postgres' },
  },
  { app: 'document-agent', configSchema: documentAgentConfig, replicas: 2, component: 'agent' },
  { app: 'sync-agent', configSchema: syncAgentConfig, replicas: 2, component: 'agent' },
  { app: 'notifier', configSchema: notifierConfig, replicas: 2, component: 'egress' },
  { app: 'event-archiver', configSchema: eventArchiverConfig, replicas: 2, component: 'audit' },
];
