/**
 * What the Kubernetes manifests say about each long-running service, beyond what its own
 * config schema already says (port, shutdown deadline, which settings it reads): how many
 * replicas, whether two may ever run at once, its own settings, and a data volume.
 *
 * Edit here, then `npm run k8s:generate` writes deploy/k8s/base/ again; a test
 * fails while the files on disk differ from what this table gives.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { topicNames } from '@flowline/event-schemas';
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
  /**
   * Files the service reads from a ConfigMap made with it (`<app>-<name>`), mounted as a folder
   * so that an edit reaches the pod (a subPath mount would never update).
   */
  configFiles?: { name: string; mountPath: string; files: Record<string, string> };
  /**
   * Takes traffic from outside the cluster: an Ingress, and the only NetworkPolicy that admits
   * the ingress controller.
   */
  publicIngress?: boolean;
  /** Reaches public addresses (outbound webhooks): the only NetworkPolicy with egress beyond the cluster's infrastructure. */
  publicEgress?: boolean;
  /** Kubernetes component label. */
  component: 'ingress' | 'router' | 'agent' | 'egress' | 'audit';
  /**
   * The Kafka consumer groups the service runs, as its service.ts names them (without the
   * tenant prefix, which the manifests add from the ConfigMap), and the topics each reads.
   */
  consumerGroups?: readonly { group: string; topics: readonly string[] }[];
  /**
   * Autoscaling on consumer lag (a KEDA ScaledObject, replicas from `replicas` up to
   * `maxReplicas`): a group member is added per `lagThreshold` records behind. Consumers
   * beyond the partitions of their topics would sit idle, so `maxReplicas` stays below them.
   */
  autoscaling?: { maxReplicas: number; lagThreshold: number };
  /** The container's memory limit when the default (512Mi) is too small for what was measured. */
  memoryLimit?: string;
}

/** Topic names without the tenant prefix (libs/event-schemas names every topic). */
const TOPICS = topicNames('');

export const SERVICES: readonly ServiceSpec[] = [
  {
    app: 'webhook-gateway',
    configSchema: gatewayConfig,
    replicas: 2,
    component: 'ingress',
    publicIngress: true,
    // One signed source by environment; more sources: a ConfigMap with the gateway's YAML
    // `sources:` list, mounted and named by FLOWLINE_CONFIG_FILE in an overlay (apps/webhook-gateway/README.md).
    settings: {
      WEBHOOK_SOURCE_NAME: 'sample',
      WEBHOOK_SCHEME: 'standard-webhooks',
      WEBHOOK_SECRET_FILE: '/etc/flowline/webhook-secrets/sample',
    },
    secretFiles: { secretName: 'flowline-webhook-secrets', mountPath: '/etc/flowline/webhook-secrets' },
    // Measured under the worst hostile load (`npm run bench:hostile`, bench/ingress/README.md):
    // 531 MB peak RSS with the default 32 MB of bodies in flight; 512Mi would kill it there.
    memoryLimit: '768Mi',
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
  {
    app: 'router',
    configSchema: routerConfig,
    replicas: 2,
    component: 'router',
    // The rules as a ConfigMap (router-rules, from apps/router/rules/default.yaml): an edit of
    // it reaches the pod within kubelet's sync period, and the router reloads on the change.
    settings: { ROUTER_RULES_FILE: '/etc/flowline/router-rules/rules.yaml' },
    configFiles: {
      name: 'rules',
      mountPath: '/etc/flowline/router-rules',
      files: { 'rules.yaml': readFileSync(path.resolve(__dirname, '../../../apps/router/rules/default.yaml'), 'utf8') },
    },
    consumerGroups: [
      {
        group: 'router',
        topics: [TOPICS.ingressWebhook, TOPICS.ingressFile, TOPICS.ingressCdc, TOPICS.domainEvents],
      },
    ],
    // Routing is quick (no I/O besides Kafka): a member is worth adding only for a large backlog.
    autoscaling: { maxReplicas: 6, lagThreshold: 500 },
  },
  {
    app: 'invoice-agent',
    configSchema: invoiceAgentConfig,
    replicas: 2,
    component: 'agent',
    consumerGroups: [{ group: 'invoice-agent', topics: [TOPICS.agent('invoice')] }],
    // Each invoice may wait on a model and a database: a small backlog already means minutes.
    autoscaling: { maxReplicas: 3, lagThreshold: 20 },
  },
  {
    app: 'email-agent',
    configSchema: emailAgentConfig,
    replicas: 2,
    component: 'agent',
    consumerGroups: [{ group: 'email-agent', topics: [TOPICS.agent('email')] }],
    autoscaling: { maxReplicas: 3, lagThreshold: 20 },
    // Invoice attachments as PostgreSQL large objects: its pods share no volume, and the
    // invoice agent opens a `claim:pg/…` reference wherever it runs.
    settings: { CLAIM_CHECK_STORE: 'postgres' },
  },
  {
    app: 'document-agent',
    configSchema: documentAgentConfig,
    replicas: 2,
    component: 'agent',
    consumerGroups: [{ group: 'document-agent', topics: [TOPICS.agent('document')] }],
    autoscaling: { maxReplicas: 3, lagThreshold: 20 },
  },
  {
    app: 'sync-agent',
    configSchema: syncAgentConfig,
    replicas: 2,
    component: 'agent',
    consumerGroups: [{ group: 'sync-agent', topics: [TOPICS.agent('sync')] }],
    autoscaling: { maxReplicas: 3, lagThreshold: 100 },
  },
  {
    app: 'notifier',
    configSchema: notifierConfig,
    replicas: 2,
    component: 'egress',
    publicEgress: true,
    // Two groups on the same topic: RabbitMQ announcements, and outbound webhook deliveries.
    consumerGroups: [
      { group: 'notifier', topics: [TOPICS.domainEvents] },
      { group: 'notifier-webhooks', topics: [TOPICS.domainEvents] },
    ],
    autoscaling: { maxReplicas: 3, lagThreshold: 100 },
  },
  {
    app: 'event-archiver',
    configSchema: eventArchiverConfig,
    replicas: 2,
    component: 'audit',
    consumerGroups: [
      { group: 'event-archiver', topics: [...TOPICS.all(), ...TOPICS.all().map((topic) => TOPICS.deadLetter(topic))] },
    ],
    // Batched inserts: it keeps up with a large backlog per member.
    autoscaling: { maxReplicas: 3, lagThreshold: 1000 },
  },
];
