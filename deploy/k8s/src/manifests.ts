/**
 * The Kubernetes manifests of every Flowline service, built from services.ts and each
 * service's own config schema (pure: `manifestFiles()` answers file path → text).
 *
 * Settings reach a pod three ways:
 * - connection settings without credentials (Kafka brokers, TLS, SASL mechanism, topic
 *   durability, OTLP endpoint, log level, topic prefix) from the shared ConfigMap `flowline-config`;
 * - credentials (database, MongoDB and RabbitMQ URLs, the Kafka SASL user and password) as
 *   files: the Secret `flowline-secrets` is mounted read-only and the service is told
 *   `<KEY>_FILE=<path>` (the config loader reads any key K from K_FILE), so no credential is
 *   ever in the environment, where `kubectl describe`, crash dumps and child processes see it;
 * - the service's port and its own settings as plain values.
 * The Secrets (`flowline-secrets`, `flowline-kafka-ca`, `flowline-webhook-secrets`, the
 * Ingress's TLS certificate) are not created here (deploy/k8s/README.md).
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

/** Where the mounted Secret `flowline-secrets` puts one file per key. */
export const SECRET_MOUNT = '/etc/flowline/secrets';
/** The CA that signed the brokers' certificates (a Secret, as Strimzi and cert-manager give it). */
export const KAFKA_CA = { secretName: 'flowline-kafka-ca', key: 'ca.crt', mountPath: '/etc/flowline/kafka-ca' };

/** The shared ConfigMap's data: where the cluster's infrastructure is (edit in an overlay). */
export const SHARED_CONFIG: Readonly<Record<string, string>> = {
  // The brokers' TLS listener (SASL_SSL).
  KAFKA_BROKERS: 'kafka.flowline-infra.svc.cluster.local:9093',
  KAFKA_SSL: 'true',
  KAFKA_SSL_CA_FILE: `${KAFKA_CA.mountPath}/${KAFKA_CA.key}`,
  KAFKA_SASL_MECHANISM: 'scram-sha-512',
  // Every topic the services create survives the loss of a broker without losing an
  // acknowledged record: producers use acks=all, so a write succeeds only once 2 of 3 replicas hold it.
  KAFKA_REPLICATION_FACTOR: '3',
  KAFKA_MIN_INSYNC_REPLICAS: '2',
  LOG_LEVEL: 'info',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.flowline-infra.svc.cluster.local:4318',
  // Empty means no prefix (the services read an empty variable as unset).
  FLOWLINE_TOPIC_PREFIX: '',
};

/** Settings that carry credentials: only ever from the Secret, as files. */
export const SECRET_KEYS: readonly string[] = [
  'DATABASE_URL',
  'MONGODB_URL',
  'AMQP_URL',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
];

/** Namespaces and pods the policies name (as the usual charts label them; change in an overlay). */
export const INFRA_NAMESPACE = 'flowline-infra';
export const PEERS = {
  ingressController: { namespace: 'ingress-nginx', pod: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  prometheus: { namespace: 'monitoring', pod: { 'app.kubernetes.io/name': 'prometheus' } },
  dns: { namespace: 'kube-system', pod: { 'k8s-app': 'kube-dns' } },
} as const;

/**
 * What a service may reach in INFRA_NAMESPACE, by the setting that makes it a client: the
 * NetworkPolicies open a dependency's port to exactly the services whose schema reads its key.
 * The ports are those of the ConfigMap's and secrets.example.env's addresses (a test checks it).
 */
export const DEPENDENCIES: readonly { name: string; key: string; port: number }[] = [
  { name: 'kafka', key: 'KAFKA_BROKERS', port: 9093 },
  { name: 'postgresql', key: 'DATABASE_URL', port: 5432 },
  { name: 'mongodb', key: 'MONGODB_URL', port: 27017 },
  { name: 'rabbitmq', key: 'AMQP_URL', port: 5672 },
  { name: 'otel-collector', key: 'OTEL_EXPORTER_OTLP_ENDPOINT', port: 4318 },
];

/**
 * Addresses the notifier must not reach with an outbound webhook: private, shared (CGNAT),
 * loopback and link-local ranges, where the cluster's own pods and services, the nodes and the
 * cloud's metadata endpoint (169.254.169.254) live. The notifier already refuses such
 * addresses itself (NOTIFY_WEBHOOK_ALLOWED_NETWORKS); the policy holds even if a DNS answer
 * changes between its check and the connection, or a bug lets one through.
 */
export const NON_PUBLIC_IPV4 = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
];
export const NON_PUBLIC_IPV6 = ['fc00::/7', 'fe80::/10', '::1/128'];

/** The gateway's public address (an overlay sets the real host) and its certificate's Secret. */
export const INGRESS_HOST = 'webhooks.example.com';
export const INGRESS_TLS_SECRET = 'flowline-gateway-tls';
export const INGRESS_CLASS = 'nginx';
/** The gateway's webhook paths: only these are public (not /metrics, /healthz, /readyz). */
export const WEBHOOK_PATH_PREFIX = '/webhooks';

/** KEDA's TriggerAuthentication for the Kafka scaler (same user, password and CA as the services). */
export const KAFKA_TRIGGER_AUTH = 'flowline-kafka';

/** Seconds Kubernetes waits after SIGTERM beyond the service's own drain deadline before it kills. */
const GRACE_MARGIN_SECONDS = 15;

type EnvVar =
  { name: string; value: string } | { name: string; valueFrom: { configMapKeyRef: { name: string; key: string } } };

/** What the service's schema says with nothing set: its port and its drain deadline. */
function schemaDefaults(schema: z.ZodObject): { port: number; shutdownTimeoutMs: number } {
  const defaults = loadConfig(schema, {}) as { PORT: number; SHUTDOWN_TIMEOUT_MS: number };
  return { port: defaults.PORT, shutdownTimeoutMs: defaults.SHUTDOWN_TIMEOUT_MS };
}

/** Whether the service's config schema reads a key. */
export function reads(spec: ServiceSpec, key: string): boolean {
  return key in spec.configSchema.shape;
}

/** The credentials the service reads, each a file of the mounted Secret. */
export function secretKeysOf(spec: ServiceSpec): string[] {
  return SECRET_KEYS.filter((key) => reads(spec, key));
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
    else if (SECRET_KEYS.includes(key)) env.push({ name: `${key}_FILE`, value: `${SECRET_MOUNT}/${key}` });
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
  const credentials = secretKeysOf(spec);
  if (credentials.length > 0) {
    // Only the keys this service reads are projected: the router's pod holds no database password.
    volumes.push({
      name: 'credentials',
      secret: { secretName: SECRET, defaultMode: 0o440, items: credentials.map((key) => ({ key, path: key })) },
    });
    mounts.push({ name: 'credentials', mountPath: SECRET_MOUNT, readOnly: true });
  }
  if (reads(spec, 'KAFKA_SSL_CA_FILE')) {
    volumes.push({
      name: 'kafka-ca',
      secret: {
        secretName: KAFKA_CA.secretName,
        defaultMode: 0o444,
        items: [{ key: KAFKA_CA.key, path: KAFKA_CA.key }],
      },
    });
    mounts.push({ name: 'kafka-ca', mountPath: KAFKA_CA.mountPath, readOnly: true });
  }
  if (spec.configFiles !== undefined) {
    volumes.push({ name: 'config-files', configMap: { name: configFilesName(spec) } });
    mounts.push({ name: 'config-files', mountPath: spec.configFiles.mountPath, readOnly: true });
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: spec.app, labels: labels(spec) },
    spec: {
      // An autoscaled Deployment states no replica count: each `kubectl apply` would reset
      // what the autoscaler chose (its minimum is `replicas` in services.ts).
      ...(spec.autoscaling === undefined ? { replicas: spec.replicas } : {}),
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
              resources: {
                requests: { cpu: '100m', memory: '192Mi' },
                limits: { memory: spec.memoryLimit ?? '512Mi' },
              },
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

/**
 * Voluntary disruptions (node drains, cluster upgrades) take at most one pod at a time, and
 * the budget never blocks a drain:
 * - a scaled-out service keeps its other members while one moves (its partitions go to them);
 * - a singleton (one replica) must still be evictable: `minAvailable: 1` on one pod would make
 *   every `kubectl drain` of its node hang until someone deletes the pod by hand, which is a
 *   worse outage than the eviction. Its short absence loses nothing: the cdc-listener's slot
 *   keeps the WAL from its confirmed LSN and the file-watcher's folder keeps the files, so the
 *   rescheduled pod resumes where the old one stopped (and SIGTERM lets it drain first).
 * `AlwaysAllow` lets a drain evict a pod that is not ready (crash-looping, or waiting for a
 * broker that is down): keeping it protects nothing.
 */
function disruptionBudget(spec: ServiceSpec): object {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: spec.app, labels: labels(spec) },
    spec: {
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: { 'app.kubernetes.io/name': spec.app } },
    },
  };
}

function configFilesName(spec: ServiceSpec): string {
  return `${spec.app}-${spec.configFiles?.name ?? ''}`;
}

function configFilesMap(spec: ServiceSpec, configFiles: NonNullable<ServiceSpec['configFiles']>): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configFilesName(spec), labels: labels(spec) },
    data: configFiles.files,
  };
}

const namespaceSelector = (name: string): object => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });

/** The dependencies a service is a client of: those whose setting its schema reads. */
export function dependenciesOf(spec: ServiceSpec): (typeof DEPENDENCIES)[number][] {
  return DEPENDENCIES.filter((dependency) => reads(spec, dependency.key));
}

/** Nothing in the namespace talks to or reaches anything unless a policy below says so. */
function defaultDeny(): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny' },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  };
}

/**
 * What one service's pods may take and reach. In: Prometheus's scrape of /metrics on the
 * service port (policies see ports, not paths), and for the gateway the ingress controller.
 * Out: DNS, then each dependency's port in the infrastructure namespace, and for the notifier
 * public addresses (outbound webhooks go to any customer's URL, on any port). Kubelet's probes
 * come from the node and are not subject to the policy.
 */
function networkPolicy(spec: ServiceSpec): object {
  const ingress: object[] = [
    {
      from: [
        {
          namespaceSelector: namespaceSelector(PEERS.prometheus.namespace),
          podSelector: { matchLabels: PEERS.prometheus.pod },
        },
      ],
      ports: [{ protocol: 'TCP', port: 'http' }],
    },
  ];
  if (spec.publicIngress === true)
    ingress.push({
      from: [
        {
          namespaceSelector: namespaceSelector(PEERS.ingressController.namespace),
          podSelector: { matchLabels: PEERS.ingressController.pod },
        },
      ],
      ports: [{ protocol: 'TCP', port: 'http' }],
    });
  const egress: object[] = [
    {
      to: [{ namespaceSelector: namespaceSelector(PEERS.dns.namespace), podSelector: { matchLabels: PEERS.dns.pod } }],
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    },
    ...dependenciesOf(spec).map((dependency) => ({
      to: [{ namespaceSelector: namespaceSelector(INFRA_NAMESPACE) }],
      ports: [{ protocol: 'TCP', port: dependency.port }],
    })),
  ];
  if (spec.publicEgress === true)
    egress.push({
      to: [
        { ipBlock: { cidr: '0.0.0.0/0', except: NON_PUBLIC_IPV4 } },
        { ipBlock: { cidr: '::/0', except: NON_PUBLIC_IPV6 } },
      ],
    });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: spec.app, labels: labels(spec) },
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': spec.app } },
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      egress,
    },
  };
}

/**
 * The gateway's public entry: TLS (ingress-nginx redirects plain HTTP to HTTPS once a TLS
 * section exists), only the webhook paths, and nginx refusing a body larger than the gateway
 * would take before it streams in (the gateway's limit in bytes: keep both in step).
 */
function gatewayIngress(spec: ServiceSpec, maxBodyBytes: number): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: spec.app,
      labels: labels(spec),
      annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': String(maxBodyBytes) },
    },
    spec: {
      ingressClassName: INGRESS_CLASS,
      tls: [{ hosts: [INGRESS_HOST], secretName: INGRESS_TLS_SECRET }],
      rules: [
        {
          host: INGRESS_HOST,
          http: {
            paths: [
              {
                path: WEBHOOK_PATH_PREFIX,
                pathType: 'Prefix',
                backend: { service: { name: spec.app, port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** The KEDA Kafka scaler's names for the services' KAFKA_SASL_MECHANISM values. */
const KEDA_SASL: Readonly<Record<string, string>> = {
  plain: 'plaintext',
  'scram-sha-256': 'scram_sha256',
  'scram-sha-512': 'scram_sha512',
};

/**
 * Autoscaling on consumer lag: KEDA makes (and owns) the HorizontalPodAutoscaler, so none is
 * written here. One trigger per consumer group; the HPA follows the trigger asking for the
 * most replicas. A group reading one topic names it; a group reading several names none, and
 * KEDA then sums the lag over every topic the group has committed offsets on.
 * Never to zero: a group with no member has no one to notice new records quickly, and every
 * scale step is a rebalance, so scale-down waits 5 minutes and goes one pod at a time.
 */
function scaledObject(spec: ServiceSpec, autoscaling: NonNullable<ServiceSpec['autoscaling']>): object {
  const prefix = SHARED_CONFIG['FLOWLINE_TOPIC_PREFIX'] ?? '';
  const security: Record<string, string> = {};
  const mechanism = SHARED_CONFIG['KAFKA_SASL_MECHANISM'];
  if (mechanism !== undefined) security['sasl'] = KEDA_SASL[mechanism] ?? mechanism;
  if (SHARED_CONFIG['KAFKA_SSL'] === 'true') security['tls'] = 'enable';
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: spec.app, labels: labels(spec) },
    spec: {
      scaleTargetRef: { name: spec.app },
      minReplicaCount: spec.replicas,
      maxReplicaCount: autoscaling.maxReplicas,
      pollingInterval: 15,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
          },
        },
      },
      triggers: (spec.consumerGroups ?? []).map(({ group, topics }) => ({
        type: 'kafka',
        metadata: {
          bootstrapServers: SHARED_CONFIG['KAFKA_BROKERS'],
          consumerGroup: `${prefix}${group}`,
          ...(topics.length === 1 ? { topic: `${prefix}${topics[0] ?? ''}` } : {}),
          lagThreshold: String(autoscaling.lagThreshold),
          // The services' groups start from the earliest record (fromBeginning).
          offsetResetPolicy: 'earliest',
          ...security,
        },
        authenticationRef: { name: KAFKA_TRIGGER_AUTH },
      })),
    },
  };
}

/** The scaler connects as the services do: the same SASL user and password, and the same CA. */
function kafkaTriggerAuthentication(): object {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'TriggerAuthentication',
    metadata: { name: KAFKA_TRIGGER_AUTH },
    spec: {
      secretTargetRef: [
        { parameter: 'username', name: SECRET, key: 'KAFKA_SASL_USERNAME' },
        { parameter: 'password', name: SECRET, key: 'KAFKA_SASL_PASSWORD' },
        { parameter: 'ca', name: KAFKA_CA.secretName, key: KAFKA_CA.key },
      ],
    },
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
      'Where the infrastructure is, and how to connect to it. The Secrets (flowline-secrets, flowline-kafka-ca) are made apart: see deploy/k8s/README.md.',
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG_MAP }, data: SHARED_CONFIG }],
    ),
  );
  files.set(
    'base/network-policies.yaml',
    yamlDocuments('Deny by default; each service file opens what that service needs.', [defaultDeny()]),
  );
  if (services.some((spec) => spec.autoscaling !== undefined))
    files.set(
      'base/autoscaling.yaml',
      yamlDocuments('KEDA (keda.sh) must be installed: each consumer scales on its lag.', [
        kafkaTriggerAuthentication(),
      ]),
    );
  for (const spec of services) {
    const objects: object[] = [deployment(spec), service(spec), disruptionBudget(spec), networkPolicy(spec)];
    if (spec.configFiles !== undefined) objects.push(configFilesMap(spec, spec.configFiles));
    if (spec.dataVolume !== undefined) objects.push(dataClaim(spec, spec.dataVolume.size));
    if (spec.publicIngress === true) {
      const { WEBHOOK_MAX_BODY_BYTES } = loadConfig(spec.configSchema, {}) as { WEBHOOK_MAX_BODY_BYTES?: number };
      if (WEBHOOK_MAX_BODY_BYTES === undefined)
        throw new Error(`services.ts: ${spec.app} takes public traffic but reads no WEBHOOK_MAX_BODY_BYTES`);
      objects.push(gatewayIngress(spec, WEBHOOK_MAX_BODY_BYTES));
    }
    if (spec.autoscaling !== undefined) objects.push(scaledObject(spec, spec.autoscaling));
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
