// The Kubernetes manifests are checked as files: no cluster runs here. What is checked is
// what would otherwise only show in a cluster: a pod that cannot start (a setting missing,
// a Secret key that does not exist, a value its schema refuses), a service left out, probes
// on the wrong port, a drain cut short by SIGKILL, two pods of a singleton at once.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { isDeadLetterTopic, topicNames } from '@flowline/event-schemas';
import { loadConfig } from '@flowline/service-runtime';
import { deployableApps, uniqueDirectory } from '@flowline/testing';
import {
  CONFIG_MAP,
  DEPENDENCIES,
  KAFKA_CA,
  KAFKA_TRIGGER_AUTH,
  manifestFiles,
  NON_PUBLIC_IPV4,
  PEERS,
  SECRET,
  SECRET_KEYS,
  serviceEnv,
} from './manifests';
import { SERVICES } from './services';

const k8sRoot = path.resolve(__dirname, '..');
const repoRoot = path.resolve(k8sRoot, '../..');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  securityContext: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  emptyDir?: object;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  configMap?: { name: string };
}
type Selector = { matchLabels?: Record<string, string> };
interface PolicyPeer {
  namespaceSelector?: Selector;
  podSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: { protocol: string; port: number | string }[];
}
interface KafkaTrigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}
interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec: {
    replicas?: number;
    strategy?: { type: string };
    selector?: Selector & Record<string, string>;
    ports?: { name: string; port: number; targetPort: string }[];
    maxUnavailable?: number;
    minAvailable?: number;
    podSelector?: Selector;
    policyTypes?: string[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
    template?: {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext: { runAsNonRoot?: boolean };
        containers: Container[];
        volumes: Volume[];
      };
    };
  };
}

interface ScaledObject {
  kind: 'ScaledObject';
  spec: {
    scaleTargetRef: { name: string };
    minReplicaCount: number;
    maxReplicaCount: number;
    triggers: KafkaTrigger[];
  };
}

function manifestsIn(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(path.join(k8sRoot, 'base', file), 'utf8')).map(
    (document) => document.toJS() as Manifest,
  );
}

function only(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Manifest;
}

function exampleSecret(): Record<string, string> {
  const entries = readFileSync(path.join(k8sRoot, 'secrets.example.env'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return Object.fromEntries(entries);
}

/** Every object of every file under base/ (the kustomization aside). */
function allManifests(): { file: string; manifest: Manifest }[] {
  return readdirSync(path.join(k8sRoot, 'base'))
    .filter((name) => name !== 'kustomization.yaml')
    .flatMap((file) => manifestsIn(file).map((manifest) => ({ file, manifest })));
}

/** Whether a selector's labels all hold on a pod's labels. */
function selects(selector: Selector | undefined, podLabels: Record<string, string>): boolean {
  const wanted = Object.entries(selector?.matchLabels ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => podLabels[key] === value);
}

/** What the Secrets (made apart, never by the manifests) hold, as the README has them made. */
function secretContents(secretName: string): Record<string, string> {
  if (secretName === SECRET) return exampleSecret();
  if (secretName === KAFKA_CA.secretName)
    return { [KAFKA_CA.key]: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' };
  if (secretName === 'flowline-webhook-secrets') return { sample: 'whsec_c2FtcGxl' };
  throw new Error(`a volume reads the Secret ${secretName}, which deploy/k8s/README.md does not have made`);
}

/**
 * The files a pod would see in its read-only mounts (Secrets and ConfigMaps), written under
 * `root` so the service's own config loader reads them, as it would in the pod. A Secret key or
 * ConfigMap that does not exist fails, as the kubelet would refuse to start the pod.
 */
function materializeMounts(manifests: Manifest[], root: string): Map<string, string> {
  const spec = only(manifests, 'Deployment').spec.template?.spec;
  const container = spec?.containers[0] as Container;
  const moved = new Map<string, string>();
  for (const mount of container.volumeMounts) {
    const volume = spec?.volumes.find((candidate) => candidate.name === mount.name);
    expect(volume).toBeDefined();
    let files: Record<string, string> | undefined;
    if (volume?.secret !== undefined) {
      const contents = secretContents(volume.secret.secretName);
      const items = volume.secret.items ?? Object.keys(contents).map((key) => ({ key, path: key }));
      files = {};
      for (const item of items) {
        expect({ secret: volume.secret.secretName, keys: Object.keys(contents) }).toEqual({
          secret: volume.secret.secretName,
          keys: expect.arrayContaining([item.key]),
        });
        files[item.path] = contents[item.key] as string;
      }
    } else if (volume?.configMap !== undefined) {
      const name = volume.configMap.name;
      const configMap = manifests.find((manifest) => manifest.kind === 'ConfigMap' && manifest.metadata.name === name);
      expect({ configMap: name, found: configMap !== undefined }).toEqual({ configMap: name, found: true });
      files = configMap?.data ?? {};
    }
    if (files === undefined) continue;
    expect(mount.readOnly).toBe(true);
    const target = path.join(root, mount.mountPath);
    mkdirSync(target, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(target, name), content);
    moved.set(mount.mountPath, target);
  }
  return moved;
}

/**
 * The environment a pod of the Deployment would get, resolved as the kubelet does (an
 * unresolvable reference fails), with paths into its read-only mounts pointed at their copies
 * under `root` (materializeMounts).
 */
function podEnvironment(manifests: Manifest[], root: string): Record<string, string> {
  const container = only(manifests, 'Deployment').spec.template?.spec.containers[0] as Container;
  const moved = materializeMounts(manifests, root);
  const configMap = only(manifestsIn('config.yaml'), 'ConfigMap');
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    const fromConfig = variable.valueFrom?.configMapKeyRef;
    // Credentials never come from the environment: only as files (SECRET_KEYS).
    expect(variable.valueFrom?.secretKeyRef).toBeUndefined();
    let value: string;
    if (fromConfig !== undefined) {
      expect(fromConfig.name).toBe(configMap.metadata.name);
      expect(Object.keys(configMap.data ?? {})).toContain(fromConfig.key);
      value = configMap.data?.[fromConfig.key] as string;
    } else {
      value = variable.value as string;
    }
    for (const [mountPath, copy] of moved)
      if (value.startsWith(`${mountPath}/`)) value = copy + value.slice(mountPath.length);
    env[variable.name] = value;
  }
  return env;
}

/** The service's config as its pod would load it. */
async function podConfig<T>(app: string): Promise<T> {
  const spec = SERVICES.find((candidate) => candidate.app === app);
  if (spec === undefined) throw new Error(`no ${app} in services.ts`);
  const root = await uniqueDirectory(`k8s-${app}`);
  try {
    return loadConfig(spec.configSchema, podEnvironment(manifestsIn(`${app}.yaml`), root)) as T;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The port an address in the ConfigMap or the example Secret names (host:port lists and URLs). */
function portOf(address: string): number {
  const first = address.split(',')[0] as string;
  const port = first.includes('://') ? new URL(first).port : first.slice(first.lastIndexOf(':') + 1);
  return Number(port);
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('are what services.ts and the config schemas give (else run `npm run k8s:generate`)', () => {
    const expected = manifestFiles();
    const onDisk = readdirSync(path.join(k8sRoot, 'base')).map((name) => `base/${name}`);
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    for (const [file, text] of expected)
      expect({ file, text: readFileSync(path.join(k8sRoot, file), 'utf8') }).toEqual({ file, text });
  });

  it("are valid Kubernetes objects (the API's own OpenAPI schemas, as kubernetes-models carries them)", () => {
    const models: Record<string, (data: Manifest) => { validate(): void }> = {
      Deployment: (data) => new Deployment(data as never),
      Service: (data) => new Service(data),
      PodDisruptionBudget: (data) => new PodDisruptionBudget(data),
      ConfigMap: (data) => new ConfigMap(data),
      Namespace: (data) => new Namespace(data as never),
      PersistentVolumeClaim: (data) => new PersistentVolumeClaim(data),
      NetworkPolicy: (data) => new NetworkPolicy(data as never),
      Ingress: (data) => new Ingress(data as never),
      // KEDA's kinds: kubernetes-models has no schema for them; their fields are checked by the KEDA tests below.
      ScaledObject: () => ({ validate: () => undefined }),
      TriggerAuthentication: () => ({ validate: () => undefined }),
    };
    const complaints: { file: string; kind: string; error: string }[] = [];
    const kinds = new Set<string>();
    for (const { file, manifest } of allManifests()) {
      kinds.add(manifest.kind);
      const model = models[manifest.kind];
      try {
        if (model === undefined) throw new Error('no schema for this kind here');
        model(manifest).validate();
      } catch (error) {
        complaints.push({ file, kind: manifest.kind, error: (error as Error).message });
      }
    }
    expect(complaints).toEqual([]);
    expect(kinds).toEqual(new Set(Object.keys(models)));
    // The check bites: a Deployment whose replica count is not a number is refused, and so is
    // a NetworkPolicy whose port is neither a number nor a name.
    const router = only(manifestsIn('router.yaml'), 'Deployment');
    expect(() =>
      models['Deployment']?.({ ...router, spec: { ...router.spec, replicas: 'two' as never } }).validate(),
    ).toThrow(/replicas must be integer/);
    const policy = only(manifestsIn('router.yaml'), 'NetworkPolicy');
    expect(() =>
      models['NetworkPolicy']?.({
        ...policy,
        spec: { ...policy.spec, egress: [{ ports: [{ protocol: 'TCP', port: { nine: 9092 } as never }] }] },
      }).validate(),
    ).toThrow();
  });

  it('deploy every service under apps/, each in the kustomization', () => {
    const apps = deployableApps(repoRoot);
    expect(apps.length).toBeGreaterThan(0);
    expect(SERVICES.map((spec) => spec.app).sort()).toEqual(apps);
    const kustomization = only(
      parseAllDocuments(readFileSync(path.join(k8sRoot, 'base/kustomization.yaml'), 'utf8')).map(
        (d) => d.toJS() as Manifest,
      ),
      'Kustomization',
    ) as unknown as {
      resources: string[];
    };
    for (const app of apps) {
      expect(kustomization.resources).toContain(`${app}.yaml`);
      const manifests = manifestsIn(`${app}.yaml`);
      expect(only(manifests, 'Deployment').metadata.name).toBe(app);
      expect(only(manifests, 'Service').metadata.name).toBe(app);
    }
  });

  it('are re-checked by Nx whenever a service changes (every app is an implicit dependency of k8s-manifests)', () => {
    // services.ts reads every app's config schema by a relative path, which Nx's project graph does not follow.
    const project = JSON.parse(readFileSync(path.join(k8sRoot, 'project.json'), 'utf8')) as {
      implicitDependencies?: string[];
    };
    const appProjects = deployableApps(repoRoot).map(
      (app) =>
        (JSON.parse(readFileSync(path.join(repoRoot, 'apps', app, 'project.json'), 'utf8')) as { name: string }).name,
    );
    expect(appProjects.filter((name) => !(project.implicitDependencies ?? []).includes(name))).toEqual([]);
  });

  describe.each(SERVICES.map((spec) => [spec.app, spec] as const))('%s', (app, spec) => {
    const manifests = (): Manifest[] => manifestsIn(`${app}.yaml`);
    const pod = (): NonNullable<Manifest['spec']['template']> =>
      only(manifests(), 'Deployment').spec.template as NonNullable<Manifest['spec']['template']>;
    const container = (): Container => {
      expect(pod().spec.containers).toHaveLength(1);
      return pod().spec.containers[0] as Container;
    };

    it('starts: its config loader accepts what the cluster gives it (files included), and nothing points at localhost', async () => {
      const root = await uniqueDirectory(`k8s-${app}`);
      try {
        const env = podEnvironment(manifests(), root);
        const config: Record<string, unknown> = loadConfig(spec.configSchema, env);
        // Every variable set is one the service reads (K, or K_FILE for a key K), and no connection falls back to its local default.
        const read = (name: string): boolean =>
          name in spec.configSchema.shape ||
          (name.endsWith('_FILE') && name.slice(0, -'_FILE'.length) in spec.configSchema.shape);
        expect(Object.keys(env).filter((name) => !read(name))).toEqual([]);
        expect(JSON.stringify(config)).not.toMatch(/127\.0\.0\.1|localhost/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it('is probed, scraped and served on the port it listens on', async () => {
      const config = await podConfig<{ PORT: number }>(app);
      const c = container();
      expect(c.image).toBe(`flowline/${app}:0.1.0`);
      expect(c.ports).toEqual([{ name: 'http', containerPort: config.PORT }]);
      expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(pod().metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(config.PORT),
        'prometheus.io/path': '/metrics',
      });
      const service = only(manifests(), 'Service');
      expect(service.spec.ports).toEqual([{ name: 'http', port: config.PORT, targetPort: 'http' }]);
      expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': app });
      expect(pod().metadata.labels).toMatchObject({ 'app.kubernetes.io/name': app });
    });

    it('is given longer than its own drain deadline after SIGTERM before Kubernetes kills it', async () => {
      const config = await podConfig<{ SHUTDOWN_TIMEOUT_MS: number }>(app);
      expect(pod().spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.SHUTDOWN_TIMEOUT_MS);
    });

    it('runs as the image’s unprivileged user on a read-only root, with its writable paths mounted', () => {
      expect(pod().spec.securityContext.runAsNonRoot).toBe(true);
      expect(container().securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      const mounts = container().volumeMounts.map((mount) => mount.mountPath);
      expect(mounts).toContain('/tmp');
      if (spec.dataVolume !== undefined) {
        expect(mounts).toContain('/data');
        expect(only(manifests(), 'PersistentVolumeClaim').metadata.name).toBe(`${app}-data`);
      }
    });

    it(
      spec.singleton === undefined
        ? 'scales out, never below two pods, rolling one new pod at a time'
        : 'never runs two pods at once, not even during a rollout',
      () => {
        const deployment = only(manifests(), 'Deployment');
        const scaler = manifests().find((manifest) => manifest.kind === 'ScaledObject') as ScaledObject | undefined;
        // An autoscaled Deployment leaves its count to the autoscaler, whose minimum then counts.
        expect(deployment.spec.replicas === undefined).toBe(scaler !== undefined);
        const fewest = deployment.spec.replicas ?? scaler?.spec.minReplicaCount;
        if (spec.singleton === undefined) {
          expect(fewest).toBeGreaterThanOrEqual(2);
          expect(deployment.spec.strategy?.type).toBe('RollingUpdate');
        } else {
          expect(fewest).toBe(1);
          expect(scaler).toBeUndefined();
          expect(deployment.spec.strategy?.type).toBe('Recreate');
        }
      },
    );

    it('has one disruption budget over its pods, which lets a node drain take one pod and never blocks it', () => {
      const podLabels = pod().metadata.labels;
      const budgets = allManifests().filter(
        ({ manifest }) => manifest.kind === 'PodDisruptionBudget' && selects(manifest.spec.selector, podLabels),
      );
      expect(budgets.map(({ file }) => file)).toEqual([`${app}.yaml`]);
      const budget = (budgets[0] as { manifest: Manifest }).manifest;
      // maxUnavailable 1 holds for any replica count the autoscaler picks; minAvailable ≥ the
      // pod count (e.g. 1 of 1 for a singleton) would make every drain of its node hang.
      expect(budget.spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
      expect(budget.spec.minAvailable).toBeUndefined();
    });

    it('is reached only as it must be, and reaches only DNS and the infrastructure its config names', () => {
      const podLabels = pod().metadata.labels;
      const policies = allManifests().filter(
        ({ manifest }) => manifest.kind === 'NetworkPolicy' && selects(manifest.spec.podSelector, podLabels),
      );
      expect(policies.map(({ manifest }) => manifest.metadata.name)).toEqual([app]);
      const policy = (policies[0] as { manifest: Manifest }).manifest;
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);

      // In: Prometheus on the service port, and the ingress controller for the gateway alone.
      const callers = (policy.spec.ingress ?? []).map((rule) => {
        expect(rule.ports).toEqual([{ protocol: 'TCP', port: 'http' }]);
        expect(rule.from).toHaveLength(1);
        const from = (rule.from ?? [])[0] as PolicyPeer;
        return `${from.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']}/${JSON.stringify(from.podSelector?.matchLabels)}`;
      });
      const peer = (p: { namespace: string; pod: object }): string => `${p.namespace}/${JSON.stringify(p.pod)}`;
      const expectedCallers = [
        peer(PEERS.prometheus),
        ...(spec.publicIngress === true ? [peer(PEERS.ingressController)] : []),
      ];
      expect(callers.sort()).toEqual(expectedCallers.sort());

      // Out: every rule is DNS, a port in the infrastructure namespace that its schema makes
      // it a client of, or (the notifier alone) public addresses.
      const needs = DEPENDENCIES.filter((dependency) => dependency.key in spec.configSchema.shape);
      const infraPorts: number[] = [];
      for (const rule of policy.spec.egress ?? []) {
        const to = rule.to ?? [];
        expect(to.length).toBeGreaterThan(0);
        const dns = to.every((p) => p.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns');
        const infra = to.every(
          (p) =>
            p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'flowline-infra' &&
            p.ipBlock === undefined,
        );
        const internet = to.every((p) => p.ipBlock !== undefined);
        if (dns) {
          expect(rule.ports?.map((port) => port.port)).toEqual([53, 53]);
        } else if (infra) {
          expect(rule.ports).toHaveLength(1);
          infraPorts.push(Number(rule.ports?.[0]?.port));
        } else if (internet) {
          expect(spec.publicEgress).toBe(true);
          for (const block of to.map((p) => p.ipBlock))
            if (block?.cidr === '0.0.0.0/0') expect(block.except).toEqual(expect.arrayContaining(NON_PUBLIC_IPV4));
        } else {
          throw new Error(`${app}: an egress rule to something other than DNS, the infrastructure or public addresses`);
        }
      }
      expect(infraPorts.sort()).toEqual(needs.map((dependency) => dependency.port).sort());
      // A Kafka client at least: every service here is one.
      expect(needs.map((dependency) => dependency.name)).toContain('kafka');
    });

    it(
      spec.consumerGroups === undefined
        ? 'runs no Kafka consumer group, so nothing autoscales it on lag'
        : 'scales on the lag of the consumer groups its service.ts runs (KEDA), with no HorizontalPodAutoscaler of its own',
      async () => {
        const source = readFileSync(path.join(repoRoot, 'apps', app, 'src', 'service.ts'), 'utf8');
        const groupsInSource = [...source.matchAll(/`\$\{config\.FLOWLINE_TOPIC_PREFIX\}([a-z-]+)`/g)].map((m) => m[1]);
        const groups = (spec.consumerGroups ?? []).map((consumer) => consumer.group);
        expect(groups.sort()).toEqual(groupsInSource.sort());
        const scalers = manifests().filter((manifest) => manifest.kind === 'ScaledObject') as unknown as ScaledObject[];
        if (spec.consumerGroups === undefined) {
          expect(scalers).toEqual([]);
          return;
        }
        expect(scalers).toHaveLength(1);
        const scaler = scalers[0] as ScaledObject;
        expect(scaler.spec.scaleTargetRef).toEqual({ name: only(manifests(), 'Deployment').metadata.name });
        const configMap = only(manifestsIn('config.yaml'), 'ConfigMap').data ?? {};
        const prefix = configMap['FLOWLINE_TOPIC_PREFIX'] ?? '';
        expect(scaler.spec.triggers.map((trigger) => trigger.metadata['consumerGroup']).sort()).toEqual(
          groups.map((group) => `${prefix}${group}`).sort(),
        );
        const known = topicNames(prefix).all();
        for (const trigger of scaler.spec.triggers) {
          const consumer = spec.consumerGroups.find((c) => `${prefix}${c.group}` === trigger.metadata['consumerGroup']);
          expect(trigger.type).toBe('kafka');
          expect(trigger.metadata['bootstrapServers']).toBe(configMap['KAFKA_BROKERS']);
          // KEDA's names for the mechanisms (keda.sh, Apache Kafka scaler, `sasl`).
          const kedaSasl: Record<string, string> = {
            plain: 'plaintext',
            'scram-sha-256': 'scram_sha256',
            'scram-sha-512': 'scram_sha512',
          };
          expect(trigger.metadata['sasl']).toBe(kedaSasl[configMap['KAFKA_SASL_MECHANISM'] ?? '']);
          expect(trigger.metadata['tls']).toBe(configMap['KAFKA_SSL'] === 'true' ? 'enable' : undefined);
          expect(Number(trigger.metadata['lagThreshold'])).toBeGreaterThan(0);
          expect(trigger.authenticationRef).toEqual({ name: KAFKA_TRIGGER_AUTH });
          // One topic is named; several are left to KEDA, which then takes every topic the group commits on.
          if (consumer?.topics.length === 1) expect(trigger.metadata['topic']).toBe(`${prefix}${consumer.topics[0]}`);
          else expect(trigger.metadata['topic']).toBeUndefined();
          for (const topic of consumer?.topics ?? [])
            expect(known).toContain(isDeadLetterTopic(topic) ? topic.slice(0, -'.dlq'.length) : topic);
        }
        // More members than partitions would sit idle.
        const { KAFKA_TOPIC_PARTITIONS } = await podConfig<{ KAFKA_TOPIC_PARTITIONS: number }>(app);
        const partitions = Math.max(...spec.consumerGroups.map((c) => c.topics.length)) * KAFKA_TOPIC_PARTITIONS;
        expect(scaler.spec.minReplicaCount).toBe(spec.replicas);
        expect(scaler.spec.maxReplicaCount).toBeGreaterThan(scaler.spec.minReplicaCount);
        expect(scaler.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
      },
    );
  });

  it('admit outside traffic to the gateway alone, through one TLS Ingress on its webhook paths only', async () => {
    const ingresses = allManifests().filter(({ manifest }) => manifest.kind === 'Ingress');
    expect(ingresses.map(({ file }) => file)).toEqual(['webhook-gateway.yaml']);
    const ingress = (ingresses[0] as { manifest: Manifest }).manifest as unknown as {
      metadata: { annotations: Record<string, string> };
      spec: {
        tls: { hosts: string[]; secretName: string }[];
        rules: { host: string; http: { paths: { path: string; pathType: string; backend: object }[] } }[];
      };
    };
    const gateway = await podConfig<{ WEBHOOK_MAX_BODY_BYTES: number }>('webhook-gateway');
    // nginx refuses what the gateway would refuse, before the body is streamed in.
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe(
      String(gateway.WEBHOOK_MAX_BODY_BYTES),
    );
    expect(ingress.spec.tls).toHaveLength(1);
    expect(ingress.spec.tls[0]?.secretName).toMatch(/\S/);
    expect(ingress.spec.tls[0]?.hosts).toEqual(ingress.spec.rules.map((rule) => rule.host));
    const paths = ingress.spec.rules.flatMap((rule) => rule.http.paths);
    expect(paths).toEqual([
      {
        path: '/webhooks',
        pathType: 'Prefix',
        backend: { service: { name: 'webhook-gateway', port: { name: 'http' } } },
      },
    ]);
    // …which is where the gateway takes webhooks (its /metrics stays inside the cluster).
    expect(readFileSync(path.join(repoRoot, 'apps/webhook-gateway/src/webhook-routes.ts'), 'utf8')).toContain(
      "'/webhooks/:source'",
    );
  });

  it('deny all traffic in the namespace unless a service’s own policy allows it', () => {
    const policy = only(manifestsIn('network-policies.yaml'), 'NetworkPolicy');
    expect(policy.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('open the ports the cluster’s addresses use (ConfigMap and Secret agree with the policies)', () => {
    const configMap = only(manifestsIn('config.yaml'), 'ConfigMap').data ?? {};
    const secret = exampleSecret();
    for (const dependency of DEPENDENCIES) {
      const address = configMap[dependency.key] ?? secret[dependency.key];
      expect({ key: dependency.key, port: portOf(address as string) }).toEqual({
        key: dependency.key,
        port: dependency.port,
      });
    }
  });

  it('autoscale through KEDA alone: the scaler authenticates as the services do, and no HPA is written', () => {
    expect(allManifests().filter(({ manifest }) => manifest.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    const auth = only(manifestsIn('autoscaling.yaml'), 'TriggerAuthentication') as unknown as {
      metadata: { name: string };
      spec: { secretTargetRef: { parameter: string; name: string; key: string }[] };
    };
    expect(auth.metadata.name).toBe(KAFKA_TRIGGER_AUTH);
    const refs = auth.spec.secretTargetRef;
    expect(refs.map((ref) => ref.parameter).sort()).toEqual(['ca', 'password', 'username']);
    for (const ref of refs) expect(Object.keys(secretContents(ref.name))).toContain(ref.key);
  });

  it('create topics durably and connect over TLS with SCRAM in production (the ConfigMap)', () => {
    const configMap = only(manifestsIn('config.yaml'), 'ConfigMap').data ?? {};
    expect(configMap).toMatchObject({
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_MIN_INSYNC_REPLICAS: '2',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: `${KAFKA_CA.mountPath}/${KAFKA_CA.key}`,
    });
    // Each key is read by some service: a misspelt key would be silently ignored.
    const unread = Object.keys(configMap).filter((key) => !SERVICES.some((spec) => key in spec.configSchema.shape));
    expect(unread).toEqual([]);
  });

  it('mount the router’s rules where its config reads them, with the shipped rules', () => {
    const manifests = manifestsIn('router.yaml');
    const rulesFile = only(manifests, 'Deployment').spec.template?.spec.containers[0]?.env.find(
      (variable) => variable.name === 'ROUTER_RULES_FILE',
    )?.value as string;
    const rulesMap = manifests.find((manifest) => manifest.kind === 'ConfigMap');
    expect(rulesMap?.data?.[path.basename(rulesFile)]).toBe(
      readFileSync(path.join(repoRoot, 'apps/router/rules/default.yaml'), 'utf8'),
    );
    // The mounted folder holds it (materializeMounts fails on a ConfigMap that is not there).
    const mount = only(manifests, 'Deployment').spec.template?.spec.containers[0]?.volumeMounts.find(
      (m) => m.mountPath === path.dirname(rulesFile),
    );
    const volume = only(manifests, 'Deployment').spec.template?.spec.volumes.find((v) => v.name === mount?.name);
    expect(volume?.configMap?.name).toBe(rulesMap?.metadata.name);
  });

  it('name only Secrets that deploy/k8s/README.md has made, with the keys the pods read', () => {
    const readme = readFileSync(path.join(k8sRoot, 'README.md'), 'utf8');
    const named = new Set<string>();
    for (const { manifest } of allManifests()) {
      for (const volume of manifest.spec?.template?.spec.volumes ?? [])
        if (volume.secret !== undefined) named.add(volume.secret.secretName);
      for (const tls of (manifest.spec as { tls?: { secretName: string }[] } | undefined)?.tls ?? [])
        named.add(tls.secretName);
    }
    expect(named.size).toBeGreaterThanOrEqual(4);
    for (const name of named) expect(readme).toMatch(new RegExp(`create secret (generic|tls) ${name} `));
    expect(Object.keys(exampleSecret()).sort()).toEqual([...SECRET_KEYS].sort());
  });

  it('gives credentials only as files of the mounted Secret, each pod only the keys it reads', () => {
    const routed = SERVICES.flatMap((spec) => serviceEnv(spec).map((variable) => ({ app: spec.app, ...variable })));
    const databaseUrls = routed.filter((variable) => variable.name === 'DATABASE_URL_FILE');
    expect(databaseUrls.length).toBeGreaterThan(0);
    for (const variable of databaseUrls)
      expect(variable).toMatchObject({ value: '/etc/flowline/secrets/DATABASE_URL' });
    expect(routed.filter((variable) => SECRET_KEYS.includes(variable.name))).toEqual([]);
    for (const variable of routed.filter((v) => v.name === 'KAFKA_BROKERS'))
      expect(variable).toMatchObject({ valueFrom: { configMapKeyRef: { name: CONFIG_MAP } } });
    // The router reads no database: it is not handed the credentials, not even in its volume.
    expect(routed.filter((variable) => variable.app === 'router').map((variable) => variable.name)).not.toContain(
      'DATABASE_URL_FILE',
    );
    const routerVolumes = only(manifestsIn('router.yaml'), 'Deployment').spec.template?.spec.volumes ?? [];
    const projected = routerVolumes.flatMap((volume) =>
      volume.secret?.secretName === SECRET ? (volume.secret.items ?? []) : [],
    );
    expect(projected.map((item) => item.key).sort()).toEqual(['KAFKA_SASL_PASSWORD', 'KAFKA_SASL_USERNAME']);
  });

  it('refuses a setting in services.ts that the service’s schema does not read', () => {
    const [first] = SERVICES;
    expect(() => serviceEnv({ ...(first as (typeof SERVICES)[number]), settings: { NOT_A_SETTING: 'x' } })).toThrow(
      /sets NOT_A_SETTING, which its config schema does not read/,
    );
  });
});
