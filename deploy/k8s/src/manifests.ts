/**
 * The Kubernetes manifests of every Flowline service, built from services.ts and each
 * service's own config schema (pure: `manifestFiles()` answers file path → text).
 *
 * Settings reach a pod three ways:
 * - connection settings without credentials (Kafka brokers, OTLP endpoint, log level, topic
 *   prefix) from the shared ConfigMap `flowline-config`;
 * - URLs that carry credentials (PostgreSQL, MongoDB, RabbitMQ) from the Secret
 *   `flowline-secrets`, which the manifests do not create (deploy/k8s/README.md);
 * - the service's port and its own settings as plain values;
 * - secrets it reads as files (the gateway's webhook signing secrets) from a Secret mounted
 *   read-only (`secretFiles` in services.ts), also not created here.
 * A service gets exactly the keys its schema reads: the router never sees DATABASE_URL.
 * Every other key keeps its schema default.
 */
import { stringify } from 'yaml';
import type { z } from 'zod';
import { loadConfig } from '@flowline/service-runtime';
import { ServiceSpec, SERVICES } from './services';

export const NAMESPACE = 'flowline';
export const CONFIG_MAP = 'flowline-config';
export const SECRET = 'flowline-secrets';
export const IMAGE_PREFIX = 'flowline/';
export const IMAGE_TAG = '0.1.0';

/** The shared ConfigMap's data: where the cluster's infrastructure is (edit in an overlay). */
export const SHARED_CONFIG: Readonly<Record<string, string>> = {
  KAFKA_BROKERS: 'kafka.flowline-infra.svc.cluster.local:9092',
  LOG_LEVEL: 'info',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.flowline-infra.svc.cluster.local:4318',
  // Empty means no prefix (the services read an empty variable as unset).
  FLOWLINE_TOPIC_PREFIX: '',
};

/** Settings that carry credentials: only ever from the Secret. */
export const SECRET_KEYS: readonly string[] = ['DATABASE_URL', 'MONGODB_URL', 'AMQP_URL'];

/** Seconds Kubernetes waits after SIGTERM beyond the service's own drain deadline before it kills. */
const GRACE_MARGIN_SECONDS = 15;

type EnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { configMapKeyRef: { name: string; key: string } } }
  | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

/** What the service's schema says with nothing set: its port and its drain deadline. */
function schemaDefaults(schema: z.ZodObject): { port: number; shutdownTimeoutMs: number } {
  const defaults = loadConfig(schema, {}) as { PORT: number; SHUTDOWN_TIMEOUT_MS: number };
  return { port: defaults.PORT, shutdownTimeoutMs: defaults.SHUTDOWN_TIMEOUT_MS };
}

export function serviceEnv(spec: ServiceSpec): EnvVar[] {
  const keys = Object.keys(spec.configSchema.shape);
  for (const key of Object.keys(spec.settings ?? {})) {
    if (!keys.includes(key))
      throw new Error(`services.ts: ${spec.app} sets ${key}, which its config schema does not read`);
  }
  const env: EnvVar[] = [];
  for (const key of keys) {
    if (key === 'PORT') env.push({ name: key, value: String(schemaDefaults(spec.configSchema).port) });
    else if (key in SHARED_CONFIG) env.push({ name: key, valueFrom: { configMapKeyRef: { name: CONFIG_MAP, key } } });
    else if (SECRET_KEYS.includes(key)) env.push({ name: key, valueFrom: { secretKeyRef: { name: SECRET, key } } });
    else if (spec.settings?.[key] !== undefined) env.push({ name: key, value: spec.settings[key] });
  }
  return env;
}

function labels(spec: ServiceSpec): Record<string, string> {
  return {
    'app.kubernetes.io/name': spec.app,
    'app.kubernetes.io/part-of': 'flowline',
    'app.kubernetes.io/component': spec.component,
  };
}

function deployment(spec: ServiceSpec): object {
  const { port, shutdownTimeoutMs } = schemaDefaults(spec.configSchema);
  const probe = (path: string, periodSeconds: number, failureThreshold: number): object => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  const volumes: object[] = [{ name: 'tmp', emptyDir: {} }];
  const mounts: object[] = [{ name: 'tmp', mountPath: '/tmp' }];
  if (spec.dataVolume !== undefined) {
    volumes.push({ name: 'data', persistentVolumeClaim: { claimName: `${spec.app}-data` } });
    mounts.push({ name: 'data', mountPath: '/data' });
  }
  if (spec.secretFiles !== undefined) {
    volumes.push({ name: 'secret-files', secret: { secretName: spec.secretFiles.secretName, defaultMode: 0o440 } });
    mounts.push({ name: 'secret-files', mountPath: spec.secretFiles.mountPath, readOnly: true });
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: spec.app, labels: labels(spec) },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': spec.app } },
      strategy:
        spec.singleton === undefined
          ? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }
          : { type: 'Recreate' },
      template: {
        metadata: {
          labels: labels(spec),
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(port),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          // SIGTERM starts the service's drain (stop fetching, finish, commit, close) bounded
          // by SHUTDOWN_TIMEOUT_MS; Kubernetes must not SIGKILL before that deadline.
          terminationGracePeriodSeconds: Math.ceil(shutdownTimeoutMs / 1000) + GRACE_MARGIN_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: spec.app,
              image: `${IMAGE_PREFIX}${spec.app}:${IMAGE_TAG}`,
              ports: [{ name: 'http', containerPort: port }],
              env: serviceEnv(spec),
              startupProbe: probe('/healthz', 2, 30),
              livenessProbe: probe('/healthz', 10, 3),
              readinessProbe: probe('/readyz', 5, 3),
              resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { memory: '512Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

function service(spec: ServiceSpec): object {
  const { port } = schemaDefaults(spec.configSchema);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: spec.app, labels: labels(spec) },
    spec: { selector: { 'app.kubernetes.io/name': spec.app }, ports: [{ name: 'http', port, targetPort: 'http' }] },
  };
}

/** Voluntary disruptions (node drains) take at most one pod of a scaled-out service at a time. */
function disruptionBudget(spec: ServiceSpec): object {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: spec.app, labels: labels(spec) },
    spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': spec.app } } },
  };
}

function dataClaim(spec: ServiceSpec, size: string): object {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${spec.app}-data`, labels: labels(spec) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } },
  };
}

const HEADER =
  "# Generated from deploy/k8s/src (services.ts and each app's config schema): edit there, then run `npm run k8s:generate`.\n";

function yamlDocuments(comment: string | undefined, objects: readonly object[]): string {
  const note = comment === undefined ? '' : `# ${comment}\n`;
  return HEADER + note + objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
}

/** Every file under deploy/k8s/, by path relative to it. */
export function manifestFiles(services: readonly ServiceSpec[] = SERVICES): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    'base/namespace.yaml',
    yamlDocuments(undefined, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }]),
  );
  files.set(
    'base/config.yaml',
    yamlDocuments(
      'Where the infrastructure is. The Secret flowline-secrets (credentials) is made apart: see deploy/k8s/README.md.',
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG_MAP }, data: SHARED_CONFIG }],
    ),
  );
  for (const spec of services) {
    const objects: object[] = [deployment(spec), service(spec)];
    if (spec.singleton === undefined) objects.push(disruptionBudget(spec));
    if (spec.dataVolume !== undefined) objects.push(dataClaim(spec, spec.dataVolume.size));
    files.set(
      `base/${spec.app}.yaml`,
      yamlDocuments(spec.singleton === undefined ? undefined : `One pod at most: ${spec.singleton}.`, objects),
    );
  }
  const resources = [...files.keys()].map((path) => path.slice('base/'.length));
  files.set(
    'base/kustomization.yaml',
    yamlDocuments(undefined, [
      {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: NAMESPACE,
        resources,
      },
    ]),
  );
  return files;
}
